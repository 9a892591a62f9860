import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Session
from tests.catalogue_pages.html import structure
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    ProviderFactory,
    SessionFactory,
)

URL = reverse("catalogue:session_list")


def listed(response):
    """The pks of the sessions on the page, in order."""
    return [session.pk for session in response.context["page"].object_list]


def days_from_today(days, count=2):
    first = timezone.localdate() + datetime.timedelta(days=days)
    return [first + datetime.timedelta(days=offset) for offset in range(count)]


@pytest.fixture
def sessions():
    """Three upcoming sessions in different places, modules, providers and months."""
    module_1 = ModuleFactory(number=1, slug="module-1", title="Une nécessaire préparation")
    module_2 = ModuleFactory(number=2, slug="module-2", title="Une mise en pratique outillée")
    red_cross = ProviderFactory(name="Croix-Rouge française", slug="croix-rouge")
    praxis = ProviderFactory(name="PRAXIS", slug="praxis")
    orleans = SessionFactory(
        module=module_1,
        provider=red_cross,
        city="Orléans",
        postcode="45000",
        department="45",
        region="Centre-Val de Loire",
        starts_in=40,
    )
    chambray = SessionFactory(
        module=module_1,
        provider=red_cross,
        city="Chambray-lès-Tours",
        postcode="37170",
        department="37",
        region="Centre-Val de Loire",
        starts_in=25,
    )
    metz = SessionFactory(
        module=module_2,
        provider=praxis,
        city="Metz",
        postcode="57000",
        department="57",
        region="Grand Est",
        starts_in=100,
    )
    return {"orleans": orleans, "chambray": chambray, "metz": metz}


@pytest.mark.django_db
def test_catalogue_lists_upcoming_published_sessions_soonest_first(client, sessions):
    response = client.get(URL)
    assert response.status_code == 200
    assert listed(response) == [
        sessions["chambray"].pk,
        sessions["orleans"].pk,
        sessions["metz"].pk,
    ]
    assert "3 sessions trouvées" in response.content.decode()


@pytest.mark.django_db
def test_catalogue_hides_drafts_submitted_cancelled_and_past_sessions(client, sessions):
    SessionFactory(status=Session.Status.DRAFT)
    SessionFactory(status=Session.Status.SUBMITTED)
    SessionFactory(status=Session.Status.CANCELLED, published_at=timezone.now())
    past = SessionFactory(registration_deadline=None, days=days_from_today(-30))
    response = client.get(URL)
    assert len(listed(response)) == 3
    assert past.pk not in listed(response)


@pytest.mark.django_db
def test_session_in_progress_is_still_listed(client):
    ongoing = SessionFactory(registration_deadline=None, days=days_from_today(0))
    assert listed(client.get(URL)) == [ongoing.pk]


@pytest.mark.django_db
def test_filter_by_module(client, sessions):
    response = client.get(URL, {"module": "module-2"})
    assert listed(response) == [sessions["metz"].pk]


@pytest.mark.django_db
def test_filter_by_region(client, sessions):
    response = client.get(URL, {"region": "Centre-Val de Loire"})
    assert listed(response) == [sessions["chambray"].pk, sessions["orleans"].pk]


@pytest.mark.django_db
def test_filter_by_department(client, sessions):
    response = client.get(URL, {"department": "37"})
    assert listed(response) == [sessions["chambray"].pk]


@pytest.mark.django_db
def test_filter_by_city_ignores_accents_and_case(client, sessions):
    assert listed(client.get(URL, {"city": "orleans"})) == [sessions["orleans"].pk]
    assert listed(client.get(URL, {"city": "CHAMBRAY-LES-TOURS"})) == [sessions["chambray"].pk]


@pytest.mark.django_db
def test_filter_by_provider(client, sessions):
    response = client.get(URL, {"provider": "praxis"})
    assert listed(response) == [sessions["metz"].pk]


@pytest.mark.django_db
def test_filter_by_month_of_first_day(client, sessions):
    first_day = sessions["metz"].first_day
    response = client.get(URL, {"month": f"{first_day:%Y-%m}"})
    assert sessions["metz"].pk in listed(response)
    for other in ("orleans", "chambray"):
        in_same_month = sessions[other].first_day.strftime("%Y-%m") == f"{first_day:%Y-%m}"
        assert (sessions[other].pk in listed(response)) == in_same_month


@pytest.mark.django_db
def test_available_filter_leaves_out_full_and_closed_sessions(client, sessions):
    full = sessions["orleans"]
    full.capacity = 6
    full.min_participants = 1
    full.save()
    EnrolmentFactory.create_batch(6, session=full)
    closed = SessionFactory(
        registration_deadline=timezone.localdate() - datetime.timedelta(days=1),
        days=days_from_today(10),
    )
    everything = listed(client.get(URL))
    assert full.pk in everything and closed.pk in everything
    response = client.get(URL, {"available": "on"})
    assert listed(response) == [sessions["chambray"].pk, sessions["metz"].pk]


@pytest.mark.django_db
def test_waiting_list_seats_do_not_count_as_taken(client, sessions):
    session = sessions["orleans"]
    session.capacity = 6
    session.min_participants = 1
    session.save()
    EnrolmentFactory.create_batch(5, session=session)
    EnrolmentFactory(session=session, status="waitlisted")
    EnrolmentFactory(session=session, status="cancelled")
    assert session.pk in listed(client.get(URL, {"available": "on"}))


@pytest.mark.django_db
def test_filters_combine(client, sessions):
    response = client.get(
        URL, {"region": "Centre-Val de Loire", "module": "module-1", "city": "orléans"}
    )
    assert listed(response) == [sessions["orleans"].pk]
    response = client.get(URL, {"region": "Grand Est", "module": "module-1"})
    assert listed(response) == []
    response = client.get(URL, {"provider": "croix-rouge", "department": "45", "available": "1"})
    assert listed(response) == [sessions["orleans"].pk]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["orleans", "Orléans", "ORLEANS", "orléans"])
def test_search_finds_a_city_with_or_without_accents(client, sessions, query):
    assert listed(client.get(URL, {"q": query})) == [sessions["orleans"].pk]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["preparation", "préparation", "PRÉPARATION"])
def test_search_finds_a_module_title_with_or_without_accents(client, sessions, query):
    assert listed(client.get(URL, {"q": query})) == [
        sessions["chambray"].pk,
        sessions["orleans"].pk,
    ]


@pytest.mark.django_db
def test_search_finds_a_provider_and_the_texts(client, sessions):
    assert listed(client.get(URL, {"q": "croix-rouge"})) == [
        sessions["chambray"].pk,
        sessions["orleans"].pk,
    ]
    sessions["metz"].context = "Réduire le non-recours aux droits des personnes isolées."
    sessions["metz"].save()
    assert listed(client.get(URL, {"q": "non-recours"})) == [sessions["metz"].pk]


@pytest.mark.django_db
def test_search_with_several_words_needs_them_all(client, sessions):
    assert listed(client.get(URL, {"q": "praxis metz"})) == [sessions["metz"].pk]
    assert listed(client.get(URL, {"q": "praxis orleans"})) == []


@pytest.mark.django_db
def test_search_combines_with_filters(client, sessions):
    response = client.get(URL, {"q": "préparation", "department": "45"})
    assert listed(response) == [sessions["orleans"].pk]


@pytest.mark.django_db
def test_empty_result_suggests_regions_with_sessions(client, sessions):
    response = client.get(URL, {"q": "Strasbourg"})
    html = response.content.decode()
    assert listed(response) == []
    assert "Aucune session trouvée" in html
    assert "Aucune session à venir ne correspond à votre recherche." in html
    assert f'href="{URL}?region=Grand%20Est"' in html
    assert f'href="{URL}?region=Centre-Val%20de%20Loire"' in html


@pytest.mark.django_db
def test_empty_result_in_a_department_suggests_sessions_of_its_region(client, sessions):
    response = client.get(URL, {"department": "54"})  # Meurthe-et-Moselle, Grand Est
    html = response.content.decode()
    assert listed(response) == []
    assert "Les prochaines sessions en Grand Est" in html
    assert sessions["metz"].get_absolute_url() in html


@pytest.mark.django_db
def test_invalid_filter_is_reported_and_the_others_still_apply(client, sessions):
    response = client.get(URL, {"month": "n'importe quoi", "region": "Grand Est"})
    assert response.status_code == 200
    assert listed(response) == [sessions["metz"].pk]
    assert response.context["form"].errors["month"]


@pytest.mark.django_db
def test_pagination_keeps_the_filters_in_the_links(client):
    module = ModuleFactory(slug="module-1")
    for _index in range(22):
        SessionFactory(module=module)
    response = client.get(URL, {"module": "module-1"})
    assert len(listed(response)) == 20
    html = response.content.decode()
    assert "22 sessions trouvées" in html
    assert "?module=module-1&amp;page=2" in html
    second = client.get(URL, {"module": "module-1", "page": 2})
    assert len(listed(second)) == 2


@pytest.mark.django_db
def test_archives_list_past_sessions_latest_first(client, sessions):
    older = SessionFactory(registration_deadline=None, days=days_from_today(-60))
    recent = SessionFactory(registration_deadline=None, days=days_from_today(-10))
    SessionFactory(registration_deadline=None, days=days_from_today(-5), status="draft")
    response = client.get(reverse("catalogue:archives"))
    assert response.status_code == 200
    assert listed(response) == [recent.pk, older.pk]


@pytest.mark.django_db
def test_filter_form_works_without_javascript_and_labels_every_control(client, sessions):
    response = client.get(URL)
    page = structure(response)
    forms = page.find_all("form", method="get")
    assert forms, "the filters are a GET form"
    assert page.unlabelled_controls() == []
    for name in ("q", "module", "region", "department", "city", "provider", "month", "available"):
        assert page.find_all("input", name=name) or page.find_all("select", name=name), name
    assert len(page.find_all("h1")) == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_search_is_french_full_text(client, sessions):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("full-text search runs on PostgreSQL; SQLite uses the substring fallback")
    # French stemming: the plural finds the module's "préparation".
    assert listed(client.get(URL, {"q": "preparations"})) == [
        sessions["chambray"].pk,
        sessions["orleans"].pk,
    ]
    # websearch syntax: a quoted phrase and an exclusion.
    assert listed(client.get(URL, {"q": "préparation -chambray"})) == [sessions["orleans"].pk]

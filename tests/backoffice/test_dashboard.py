"""The staff's dashboard: the figures of the user's OPCO programme on known data, nothing of
another OPCO's, the charts' SVG and tables, and a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.dashboard_selectors import dashboard, months_back
from catalogue.models import Session
from enrolment.models import Enrolment, SatisfactionResponse
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    SessionFactory,
    UserFactory,
    sessions_in_bulk,
)

pytestmark = pytest.mark.django_db

URL = "/admin/tableau-de-bord/"
Status = Enrolment.Status


def enrol(session, status, count=1):
    return [
        EnrolmentFactory(
            session=session,
            status=status,
            waitlisted_at=timezone.now() if status == Status.WAITLISTED else None,
        )
        for _ in range(count)
    ]


def answer(enrolment, rating, recommend):
    return SatisfactionResponse.objects.create(
        enrolment=enrolment,
        objectives=rating,
        content=rating,
        facilitation=rating,
        organisation=rating,
        usefulness=rating,
        would_recommend=recommend,
    )


@pytest.fixture
def programme(sante_contact, uniformation_contact):
    """OPCO Santé's sessions (A under its minimum and closing in 10 days, B filled enough, a
    draft C, a past session P with two answers) and Uniformation's U in Rennes."""
    today = timezone.localdate()
    module = ModuleFactory(title="Une nécessaire préparation")
    a = SessionFactory(
        module=module, opco_contact=sante_contact, starts_in=31, label="Groupe A", city="Tours"
    )
    enrol(a, Status.CONFIRMED, 2)
    enrol(a, Status.PENDING)
    enrol(a, Status.WAITLISTED)
    # Holds a seat while its address awaits confirmation; not counted among enrolments.
    enrol(a, Status.UNCONFIRMED)
    b = SessionFactory(
        module=module,
        opco_contact=sante_contact,
        starts_in=90,
        label="Groupe B",
        capacity=10,
        min_participants=2,
    )
    enrol(b, Status.CONFIRMED, 2)
    enrol(b, Status.CANCELLED)
    c = SessionFactory(
        module=module, opco_contact=sante_contact, starts_in=120, status=Session.Status.DRAFT
    )
    p = SessionFactory(
        module=module,
        opco_contact=sante_contact,
        days=[today - datetime.timedelta(days=10)],
        registration_deadline=today - datetime.timedelta(days=20),
        label="Groupe P",
    )
    first, second = enrol(p, Status.CONFIRMED, 2)
    answer(first, 4, True)
    answer(second, 2, False)
    u = SessionFactory(
        module=module,
        opco_contact=uniformation_contact,
        starts_in=30,
        label="Groupe U",
        city="Rennes",
        postcode="35000",
        department="35",
        region="Bretagne",
    )
    enrol(u, Status.CONFIRMED, 5)
    enrol(u, Status.PENDING)
    answer(enrol(u, Status.CONFIRMED)[0], 5, True)
    return {"a": a, "b": b, "c": c, "p": p, "u": u}


def test_the_figures_of_the_managers_programme(programme, sante_user):
    a, b, c = programme["a"], programme["b"], programme["c"]

    figures = dashboard(user=sante_user)

    assert figures.upcoming == [a, b, c]
    fills = {s.pk: (s.seats_held_count, s.capacity, s.min_participants) for s in figures.upcoming}
    assert fills[a.pk] == (4, 12, 6)
    assert fills[b.pk] == (2, 10, 2)
    assert figures.under_minimum == [a]
    assert figures.waiting_lists == [a]
    assert [e.session for e in figures.pending] == [a]
    assert figures.pending_total == 1
    assert figures.per_module == [
        {
            "session__module__number": a.module.number,
            "session__module__title": "Une nécessaire préparation",
            "confirmed": 6,
            "pending": 1,
            "waitlisted": 1,
            "ended": 1,
            "total": 9,
        }
    ]
    assert [(row["session__region"], row["total"]) for row in figures.per_region] == [
        ("Centre-Val de Loire", 9)
    ]
    assert len(figures.per_month) == 12
    assert figures.per_month[-1] == (timezone.localdate().replace(day=1), 9)
    assert sum(value for _month, value in figures.per_month) == 9
    [satisfaction] = figures.satisfaction
    assert satisfaction.responses == 2
    assert dict(satisfaction.averages)["objectifs atteints"] == 3.0
    assert satisfaction.recommend_percent == 50


def test_an_opco_sante_manager_sees_no_uniformation_figure(programme, sante_client):
    response = sante_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "OPCO Santé" in html
    assert "Groupe A" in html
    for uniformation in ("Groupe U", "Rennes", "Bretagne", "Uniformation"):
        assert uniformation not in html


def test_the_national_administration_sees_every_opco(programme, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(URL)

    figures = response.context["figures"]
    assert programme["u"] in figures.upcoming
    assert {row["session__region"]: row["total"] for row in figures.per_region} == {
        "Bretagne": 7,
        "Centre-Val de Loire": 9,
    }
    assert "tous les OPCO" in response.content.decode()


def test_the_page_shows_the_fill_and_the_alerts(programme, sante_client):
    html = sante_client.get(URL).content.decode()

    assert "4 / 12 · min 6" in html
    assert "2 / 10 · min 2" in html
    assert "sous le minimum" in html
    assert 'id="sous-le-minimum"' in html


def test_charts_are_accessible_svg_with_their_figures_in_tables(programme, sante_client):
    html = sante_client.get(URL).content.decode()

    assert html.count('<svg class="dashboard-chart"') == 3
    for chart in ("remplissage", "par-mois", "par-region"):
        assert f'aria-labelledby="{chart}-titre {chart}-description"' in html
        assert f'<title id="{chart}-titre">' in html
        assert f'<desc id="{chart}-description">' in html
    # The figures again in tables, and never a decimal comma inside a coordinate.
    assert "<details" in html
    assert html.count("<table") >= 6
    assert 'style="' not in html.split('id="content-main"')[1]
    assert 'width="0,' not in html and 'x="0,' not in html


def test_the_admin_index_links_to_the_dashboard(sante_client):
    html = sante_client.get("/admin/").content.decode()

    assert 'href="/admin/tableau-de-bord/"' in html


def test_a_staff_account_of_no_opco_sees_no_figure(programme, client):
    from django.contrib.auth.models import Group

    from accounts.permissions import OPCO_STAFF_GROUP

    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=OPCO_STAFF_GROUP))
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 200
    assert "figures" not in response.context
    assert "Groupe A" not in response.content.decode()


def test_refused_without_the_permission(client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(URL).status_code == 403


def test_login_required(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_months_back_crosses_the_year():
    assert months_back(datetime.date(2026, 2, 15), 3) == [
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]


def _queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_constant_queries_whatever_the_number_of_sessions(sante, sante_client, programme):
    def more_sessions(count):
        sessions = sessions_in_bulk(count, enrolments_each=2)
        Session.objects.filter(pk__in=[s.pk for s in sessions]).update(opco=sante)
        for session in sessions[:count]:
            EnrolmentFactory(session=session, status=Status.PENDING)

    more_sessions(5)
    with_5 = _queries(sante_client)
    more_sessions(45)
    with_50 = _queries(sante_client)

    assert with_50 == with_5


def test_under_minimum_within_15_days_of_the_deadline_or_closed_before_the_start(
    sante_contact, sante_user
):
    def session(deadline_in, starts_in, **fields):
        today = timezone.localdate()
        return SessionFactory(
            opco_contact=sante_contact,
            registration_deadline=today + datetime.timedelta(days=deadline_in),
            days=[today + datetime.timedelta(days=starts_in)],
            **fields,
        )

    in_15_days = session(15, 30)
    closed_yesterday = session(-1, 5)
    in_16_days = session(16, 30)
    reached = session(3, 10, min_participants=1)
    enrol(reached, Status.PENDING)
    draft = session(3, 10, status=Session.Status.DRAFT)

    figures = dashboard(user=sante_user)

    assert figures.under_minimum == [closed_yesterday, in_15_days]
    assert in_16_days in figures.upcoming and draft in figures.upcoming
    assert reached not in figures.under_minimum


def test_satisfaction_per_module_and_overall(sante_contact, sante_user):
    today = timezone.localdate()
    past = {"days": [today - datetime.timedelta(days=3)], "registration_deadline": None}
    first = SessionFactory(opco_contact=sante_contact, **past)
    second = SessionFactory(opco_contact=sante_contact, **past)
    answer(enrol(first, Status.CONFIRMED)[0], 5, True)
    answer(enrol(second, Status.CONFIRMED)[0], 2, False)
    answer(enrol(second, Status.CONFIRMED)[0], 2, False)

    rows = dashboard(user=sante_user).satisfaction

    assert [(row.responses, row.averages[0][1], row.recommend_percent) for row in rows] == [
        (1, 5.0, 100),
        (2, 2.0, 0),
        (3, 3.0, 33),
    ]
    assert rows[-1].module is None


def test_the_index_shows_no_dashboard_link_without_the_permission(client):
    client.force_login(UserFactory(is_staff=True))

    assert "/admin/tableau-de-bord/" not in client.get("/admin/").content.decode()

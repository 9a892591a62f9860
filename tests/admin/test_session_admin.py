import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from catalogue.models import Session
from enrolment.models import Enrolment
from enrolment.selectors import seats_held, seats_left
from tests.admin.formdata import admin_form_data
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    ProviderFactory,
    SessionFactory,
)

CHANGELIST = reverse("admin:catalogue_session_changelist")
ADD = reverse("admin:catalogue_session_add")
DEADLINE_ERROR = escape("La date limite d'inscription doit précéder le premier jour de la session.")


def change_url(session):
    return reverse("admin:catalogue_session_change", args=[session.pk])


def listed(response):
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.fixture
def orleans_and_strasbourg(db):
    orleans = SessionFactory(
        provider=ProviderFactory(name="Croix-Rouge française"),
        module=ModuleFactory(number=1),
        label="Groupe 1",
        city="Orléans",
        status=Session.Status.PUBLISHED,
    )
    strasbourg = SessionFactory(
        provider=ProviderFactory(name="PRAXIS"),
        module=ModuleFactory(number=2),
        label="Groupe 2",
        city="Strasbourg",
        postcode="67000",
        department="67",
        region="Grand Est",
        status=Session.Status.DRAFT,
        starts_in=90,
    )
    return orleans, strasbourg


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Strasbourg", "strasbourg"),
        ("Groupe 1", "orleans"),
        ("praxis", "strasbourg"),
    ],
)
def test_session_search_matches_city_label_and_provider_name(
    staff_client, orleans_and_strasbourg, query, expected
):
    orleans, strasbourg = orleans_and_strasbourg
    sessions = {"orleans": orleans, "strasbourg": strasbourg}

    assert listed(staff_client.get(CHANGELIST, {"q": query})) == [sessions[expected]]


def test_session_filters_keep_only_matching_sessions(staff_client, orleans_and_strasbourg):
    orleans, strasbourg = orleans_and_strasbourg

    filters = [
        ({"status__exact": "draft"}, [strasbourg]),
        ({"status__exact": "published"}, [orleans]),
        ({"module__id__exact": orleans.module_id}, [orleans]),
        ({"region__exact": "Grand Est"}, [strasbourg]),
        ({"provider__id__exact": strasbourg.provider_id}, [strasbourg]),
    ]
    for params, expected in filters:
        assert listed(staff_client.get(CHANGELIST, params)) == expected, params


def test_session_list_shows_seats_and_first_day(staff_client, orleans_and_strasbourg):
    orleans, strasbourg = orleans_and_strasbourg
    EnrolmentFactory.create_batch(3, session=orleans)
    EnrolmentFactory(session=orleans, status=Enrolment.Status.CANCELLED)

    response = staff_client.get(CHANGELIST, {"o": "6"})  # by first day, soonest first

    assert listed(response) == [orleans, strasbourg]
    row = listed(response)[0]
    assert (seats_held(row), seats_left(row)) == (3, 9)
    assert row.first_day_date == orleans.first_day


@pytest.mark.django_db
def test_session_list_query_count_does_not_grow_with_sessions(staff_client):
    def changelist_queries():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(CHANGELIST).status_code == 200
        return len(queries)

    def add_sessions(count):
        for _ in range(count):
            EnrolmentFactory(session=SessionFactory(module=ModuleFactory(number=1)))

    add_sessions(3)
    changelist_queries()  # warm the caches (content types, permissions) once
    with_three = changelist_queries()
    add_sessions(27)
    with_thirty = changelist_queries()

    assert Session.objects.count() == 30
    assert with_thirty == with_three


@pytest.fixture
def session(db):
    return SessionFactory()


def test_valid_session_change_is_saved(staff_client, session):
    data = admin_form_data(staff_client.get(change_url(session)))
    data["label"] = "Groupe 7"

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.label == "Groupe 7"


def test_deadline_moved_after_the_first_day_is_refused(staff_client, session):
    original = (session.registration_deadline, session.label)
    data = admin_form_data(staff_client.get(change_url(session)))
    data["registration_deadline"] = session.first_day + datetime.timedelta(days=1)
    data["label"] = "Groupe 7"

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 200
    assert DEADLINE_ERROR in response.content.decode()
    session.refresh_from_db()
    assert (session.registration_deadline, session.label) == original


def test_day_moved_before_the_deadline_is_refused(staff_client, session):
    original_dates = [day.date for day in session.sorted_days]
    data = admin_form_data(staff_client.get(change_url(session)))
    data["days-0-date"] = session.registration_deadline - datetime.timedelta(days=1)

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 200
    assert DEADLINE_ERROR in response.content.decode()
    days_formset = response.context["inline_admin_formsets"][0].formset
    assert days_formset.non_form_errors()
    assert [day.date for day in session.sorted_days] == original_dates


def test_session_rescheduled_with_its_deadline_in_one_save(staff_client, session):
    later = datetime.timedelta(days=60)
    first_day, second_day = session.sorted_days
    data = admin_form_data(staff_client.get(change_url(session)))
    # The new deadline falls after the saved days but before the submitted ones.
    data["registration_deadline"] = second_day.date + datetime.timedelta(days=1)
    data["days-0-date"] = first_day.date + later
    data["days-1-date"] = second_day.date + later

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.registration_deadline == second_day.date + datetime.timedelta(days=1)
    assert [day.date for day in session.sorted_days] == [
        first_day.date + later,
        second_day.date + later,
    ]


def test_deleted_day_does_not_count_against_the_deadline(staff_client, session):
    first_day, second_day = session.sorted_days
    data = admin_form_data(staff_client.get(change_url(session)))
    data["registration_deadline"] = first_day.date
    assert data["days-0-id"] == first_day.pk
    data["days-0-DELETE"] = "on"

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert [day.date for day in session.sorted_days] == [second_day.date]


def new_session_data(staff_client, *, deadline, day):
    data = admin_form_data(staff_client.get(ADD))
    data.update(
        {
            "module": ModuleFactory(number=1).pk,
            "provider": ProviderFactory().pk,
            "label": "Groupe 3",
            "city": "Tours",
            "postcode": "37000",
            "department": "37",
            "region": "Centre-Val de Loire",
            "capacity": 12,
            "min_participants": 6,
            "status": Session.Status.DRAFT,
            "registration_deadline": deadline,
            "days-0-date": day,
            "days-0-morning_start": "09:00",
            "days-0-morning_end": "12:30",
        }
    )
    return data


@pytest.mark.django_db
def test_new_session_with_deadline_after_its_first_day_is_not_created(staff_client):
    day = datetime.date(2031, 6, 5)
    data = new_session_data(staff_client, deadline=day + datetime.timedelta(days=2), day=day)

    response = staff_client.post(ADD, data)

    assert response.status_code == 200
    assert DEADLINE_ERROR in response.content.decode()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_new_session_with_its_days_is_created(staff_client):
    day = datetime.date(2031, 6, 5)
    data = new_session_data(staff_client, deadline=day - datetime.timedelta(days=30), day=day)

    response = staff_client.post(ADD, data)

    assert response.status_code == 302
    session = Session.objects.get()
    assert [d.date for d in session.days.all()] == [day]


def test_department_outside_the_region_is_refused(staff_client, session):
    data = admin_form_data(staff_client.get(change_url(session)))
    data["department"] = "67"

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors
    session.refresh_from_db()
    assert session.department == "45"


@pytest.mark.django_db
def test_new_session_starts_as_a_draft_whatever_status_is_posted(staff_client):
    day = datetime.date(2031, 6, 5)
    data = new_session_data(staff_client, deadline=day - datetime.timedelta(days=30), day=day)
    data["status"] = Session.Status.PUBLISHED

    response = staff_client.post(ADD, data)

    assert response.status_code == 302
    session = Session.objects.get()
    assert (session.status, session.published_at) == (Session.Status.DRAFT, None)


def test_published_session_cannot_lose_all_its_days(staff_client, session):
    data = admin_form_data(staff_client.get(change_url(session)))
    data["days-0-DELETE"] = data["days-1-DELETE"] = "on"

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 200
    assert "Une session publiée doit avoir au moins une journée." in response.content.decode()
    assert session.days.count() == 2


@pytest.mark.django_db
def test_publish_action_publishes_drafts_and_reports_those_it_cannot(staff_client):
    draft = SessionFactory(status=Session.Status.DRAFT, trainers=True)
    dayless = SessionFactory(status=Session.Status.DRAFT, days=[], trainers=True)

    response = staff_client.post(
        CHANGELIST,
        {
            "action": "publish_sessions",
            "_selected_action": [draft.pk, dayless.pk],
            "confirm": "yes",
        },
        follow=True,
    )

    draft.refresh_from_db()
    dayless.refresh_from_db()
    assert draft.status == Session.Status.PUBLISHED and draft.published_at is not None
    assert dayless.status == Session.Status.DRAFT
    page = response.content.decode()
    assert "1 session publiée." in page
    assert escape("pour être publiée\u00a0: au moins une journée.") in page

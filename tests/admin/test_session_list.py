"""The sessions' admin list: upcoming ones by default, soonest first; the fill in one readable
column; the filters staff ask for; a constant number of queries. And the session's form: the
days after the place with the usual hours, the region from the department; the enrolment's
page with what staff need to decide."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from backoffice.admin.sessions import session_fill_html
from catalogue.models import Session
from enrolment.models import Enrolment, SessionChangeRequest
from tests.admin.formdata import admin_form_data
from tests.factories import (
    EmployerFactory,
    EnrolmentFactory,
    ModuleFactory,
    ProviderFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalogue_session_changelist")
ADD = reverse("admin:catalogue_session_add")


def listed(response):
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.fixture
def sessions():
    soon = SessionFactory(starts_in=30, label="Groupe bientôt")
    later = SessionFactory(starts_in=90, label="Groupe plus tard")
    past = SessionFactory(starts_in=-40, label="Groupe passé")
    draft = SessionFactory(status=Session.Status.DRAFT, days=[], label="Groupe sans date")
    return {"soon": soon, "later": later, "past": past, "draft": draft}


def test_list_shows_upcoming_sessions_soonest_first_by_default(staff_client, sessions):
    assert listed(staff_client.get(CHANGELIST)) == [
        sessions["draft"],  # no days yet: on top
        sessions["soon"],
        sessions["later"],
    ]


def test_past_and_all_sessions_are_one_filter_away(staff_client, sessions):
    assert listed(staff_client.get(CHANGELIST, {"quand": "passees"})) == [sessions["past"]]
    assert len(listed(staff_client.get(CHANGELIST, {"quand": "toutes"}))) == 4


def test_fill_reads_as_one_column_with_the_minimum_in_words():
    html = session_fill_html(held=3, capacity=12, minimum=6, under_minimum=True)
    assert "3 / 12 · min 6" in html
    assert "sous le minimum" in html
    assert 'aria-hidden="true"' in html  # the bar: the text says the same

    assert "sous le minimum" not in session_fill_html(
        held=9, capacity=12, minimum=6, under_minimum=False
    )
    assert "complète" in session_fill_html(held=12, capacity=12, minimum=6, under_minimum=False)
    assert "sous le minimum" not in session_fill_html(
        held=0, capacity=12, minimum=6, under_minimum=True, cancelled=True
    )
    # Without a minimum, the text says none (as the dashboard writes it).
    assert "· min" not in session_fill_html(held=3, capacity=12, minimum=0, under_minimum=False)


def test_list_page_shows_the_fill_and_the_deadline_state(staff_client, sessions):
    EnrolmentFactory.create_batch(3, session=sessions["soon"])

    page = staff_client.get(CHANGELIST).content.decode()

    assert "3 / 12 · min 6" in page
    assert "sous le minimum" in page
    assert "ouvertes jusqu" in page
    assert "css/admin-sessions.css" in page


def test_under_minimum_filter(staff_client, sessions):
    EnrolmentFactory.create_batch(6, session=sessions["soon"])

    result = listed(staff_client.get(CHANGELIST, {"remplissage": "sous-minimum"}))

    assert sessions["soon"] not in result
    assert sessions["later"] in result


def test_pending_validations_filter(staff_client, sessions):
    EnrolmentFactory(session=sessions["later"], status=Enrolment.Status.PENDING)
    EnrolmentFactory(session=sessions["soon"])

    assert listed(staff_client.get(CHANGELIST, {"a-valider": "oui"})) == [sessions["later"]]


def test_to_review_filter_lists_new_submissions_and_pending_changes(staff_client, sessions):
    submitted = SessionFactory(status=Session.Status.SUBMITTED, label="Groupe soumis")
    SessionChangeRequest.objects.create(session=sessions["later"], fields={}, days=[])

    assert set(listed(staff_client.get(CHANGELIST, {"a-examiner": "tout"}))) == {
        submitted,
        sessions["later"],
    }
    assert listed(staff_client.get(CHANGELIST, {"a-examiner": "nouvelles"})) == [submitted]
    page = staff_client.get(CHANGELIST, {"a-examiner": "tout"}).content.decode()
    assert "nouvelle, à examiner" in page
    assert "modification à examiner" in page


def test_search_matches_the_providers_reference(staff_client, sessions):
    sessions["later"].reference = "CRF-2027-04"
    sessions["later"].save()

    assert listed(staff_client.get(CHANGELIST, {"q": "CRF-2027"})) == [sessions["later"]]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"quand": "toutes", "remplissage": "sous-minimum"},
        {"a-valider": "oui", "a-examiner": "tout"},
    ],
)
def test_list_queries_do_not_grow_with_sessions(staff_client, params):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(CHANGELIST, params).status_code == 200
        return len(captured)

    def add(count):
        for index in range(count):
            session = SessionFactory(
                module=ModuleFactory(number=1), provider=ProviderFactory(), starts_in=20 + index
            )
            EnrolmentFactory(session=session, status=Enrolment.Status.PENDING)
            EnrolmentFactory(
                session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
            )

    add(3)
    queries()  # warm the caches once
    with_three = queries()
    add(27)
    assert queries() == with_three


# The session's form


def test_new_day_rows_offer_the_usual_hours(staff_client):
    response = staff_client.get(ADD)

    form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert form["morning_start"].value() == datetime.time(9, 0)
    assert form["afternoon_end"].value() == datetime.time(17, 0)
    page = response.content.decode()
    # The days come right after the place, before the enrolment settings.
    assert page.index('id="days-group"') < page.index('id="id_registration_deadline"')


def test_the_department_gives_the_region(staff_client):
    day = datetime.date(2031, 6, 5)
    data = admin_form_data(staff_client.get(ADD))
    data.update(
        {
            "module": ModuleFactory(number=1).pk,
            "provider": ProviderFactory().pk,
            "label": "Groupe 3",
            "city": "Strasbourg",
            "postcode": "67000",
            "department": "67",
            "region": "",
            "capacity": 12,
            "min_participants": 6,
            "registration_deadline": day - datetime.timedelta(days=30),
            "days-0-date": day,
        }
    )

    response = staff_client.post(ADD, data)

    assert response.status_code == 302
    assert Session.objects.get().region == "Grand Est"


def test_session_days_list_shows_times_the_french_way(staff_client, sessions):
    page = staff_client.get(reverse("admin:catalogue_sessionday_changelist")).content.decode()
    # As the fiche writes them (catalogue.formats.time_text).
    assert "9\u00a0h – 12\u00a0h\u00a030" in page


# The enrolment's page and the session's list of enrolments


def test_enrolment_page_shows_what_staff_need_to_decide(staff_client, sessions):
    employer = EmployerFactory(siret="73282932000074")
    enrolment = EnrolmentFactory(
        session=sessions["soon"], status=Enrolment.Status.PENDING, employer=employer
    )

    page = staff_client.get(
        reverse("admin:enrolment_enrolment_change", args=[enrolment.pk])
    ).content.decode()

    trainee = enrolment.trainee
    assert escape(trainee.get_job_display()) in page
    assert escape(trainee.get_diploma_level_display()) in page
    assert "06 12 34 56 78" in page
    assert "73282932000074" in page
    assert "Prérequis et besoins" in page
    assert "Historique des statuts" in page


def test_session_page_lists_its_enrolments_with_their_positions(staff_client, sessions):
    session = sessions["soon"]
    EnrolmentFactory(session=session)
    now = timezone.now()
    first = EnrolmentFactory(session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=now)
    EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=now + datetime.timedelta(minutes=1),
    )

    response = staff_client.get(reverse("admin:catalogue_session_change", args=[session.pk]))

    page = response.content.decode()
    assert "position 1" in page and "position 2" in page
    assert page.index(str(first.trainee)) < page.index("position 2")


def test_day_times_are_typed_the_french_way(staff_client):
    day = datetime.date(2031, 6, 5)
    data = admin_form_data(staff_client.get(ADD))
    data.update(
        {
            "module": ModuleFactory(number=1).pk,
            "provider": ProviderFactory().pk,
            "label": "Groupe 3",
            "city": "Tours",
            "postcode": "37000",
            "department": "37",
            "capacity": 12,
            "min_participants": 6,
            "registration_deadline": day - datetime.timedelta(days=30),
            "days-0-date": day,
            "days-0-morning_start": "9h",
            "days-0-morning_end": "12 h 30",
            "days-0-afternoon_start": "13h30",
            "days-0-afternoon_end": "17:00",
        }
    )

    assert staff_client.post(ADD, data).status_code == 302

    saved = Session.objects.get().days.get()
    assert (saved.morning_start, saved.morning_end, saved.afternoon_start) == (
        datetime.time(9, 0),
        datetime.time(12, 30),
        datetime.time(13, 30),
    )

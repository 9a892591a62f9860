"""The space's home shows what needs the members first: enrolments to validate, sessions under
their minimum whose registration closes within 14 days, finished sessions whose attendance is
not recorded; at a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import Session
from enrolment.models import Attendance, Enrolment
from tests.factories import EnrolmentFactory, SessionFactory

from .conftest import pending_enrolment

pytestmark = pytest.mark.django_db

HOME = "/espace-organisme/"


def closing_in(days, **fields):
    """A session whose registration closes `days` from today (it starts three weeks later)."""
    return SessionFactory(starts_in=days + 21, min_participants=4, **fields)


def finished(**fields):
    today = timezone.localdate()
    return SessionFactory(
        days=[today - datetime.timedelta(days=10), today - datetime.timedelta(days=9)],
        registration_deadline=today - datetime.timedelta(days=20),
        **fields,
    )


def confirmed(session, count=1):
    return [
        EnrolmentFactory(session=session, status=Enrolment.Status.CONFIRMED) for _ in range(count)
    ]


def sections(response):
    html = response.content.decode()
    return {
        "under_minimum": 'id="sous-le-minimum"' in html,
        "attendance": 'id="presences-a-saisir"' in html,
    }


def test_a_session_under_its_minimum_closing_soon_is_shown(alice_client, provider, module_2):
    session = closing_in(10, provider=provider, module=module_2, label="Groupe 4", city="Tours")
    confirmed(session)
    pending_enrolment(session)

    response = alice_client.get(HOME)

    assert response.context["attention"].under_minimum == [session]
    html = response.content.decode()
    assert "Groupe 4, Tours" in html
    assert "2 inscriptions pour un minimum de 4" in html
    assert f'href="/espace-organisme/sessions/{session.pk}/"' in html


@pytest.mark.parametrize(
    "closes_in, enrolled, status",
    [
        (20, 0, Session.Status.PUBLISHED),  # closes later than 14 days
        (-1, 0, Session.Status.PUBLISHED),  # already closed
        (10, 4, Session.Status.PUBLISHED),  # minimum reached
        (10, 0, Session.Status.SUBMITTED),  # not open to enrolment
        (10, 0, Session.Status.CANCELLED),
    ],
)
def test_other_sessions_are_not_under_minimum_alerts(
    alice_client, provider, module_2, closes_in, enrolled, status
):
    session = closing_in(closes_in, provider=provider, module=module_2, status=status)
    confirmed(session, enrolled)

    response = alice_client.get(HOME)

    assert response.context["attention"].under_minimum == []
    assert not sections(response)["under_minimum"]


def test_the_fourteenth_day_is_still_shown(alice_client, provider, module_2):
    session = closing_in(14, provider=provider, module=module_2)

    assert alice_client.get(HOME).context["attention"].under_minimum == [session]


def test_a_finished_session_without_attendance_is_shown(alice_client, provider, module_2):
    session = finished(provider=provider, module=module_2, label="Groupe 2", city="Blois")
    confirmed(session, 2)

    response = alice_client.get(HOME)

    assert response.context["attention"].attendance_missing == [session]
    assert sections(response)["attendance"]
    assert "Groupe 2, Blois" in response.content.decode()


def test_the_alert_says_the_sheet_is_incomplete_and_links_to_the_grid(
    alice_client, provider, module_2
):
    session = finished(provider=provider, module=module_2)
    confirmed(session)

    html = alice_client.get(HOME).content.decode()

    assert "leur feuille de présence n'est pas complète" in html
    assert "aucune présence n'y est encore enregistrée" not in html
    assert f'href="/espace-organisme/sessions/{session.pk}/presences/"' in html


def mark(enrolment, day, half_day, status=Attendance.Status.PRESENT):
    Attendance.objects.create(enrolment=enrolment, day=day, half_day=half_day, status=status)


def test_one_recorded_half_day_leaves_the_alert(alice_client, provider, module_2):
    session = finished(provider=provider, module=module_2)
    [enrolment, _other] = confirmed(session, 2)
    mark(enrolment, session.sorted_days[0], Attendance.HalfDay.MORNING)

    response = alice_client.get(HOME)

    assert response.context["attention"].attendance_missing == [session]
    assert sections(response)["attendance"]


def test_the_marks_of_a_cancelled_enrolment_do_not_count(alice_client, provider, module_2):
    session = finished(provider=provider, module=module_2)
    confirmed(session)
    gone = EnrolmentFactory(session=session, status=Enrolment.Status.CANCELLED)
    for day in session.sorted_days:
        for half_day in Attendance.HalfDay.values:
            mark(gone, day, half_day)

    assert alice_client.get(HOME).context["attention"].attendance_missing == [session]


def test_the_alert_goes_once_every_trainee_has_every_half_day(alice_client, provider, module_2):
    session = finished(provider=provider, module=module_2)
    first, second = confirmed(session, 2)
    for enrolment in (first, second):
        for day in session.sorted_days:
            for half_day in Attendance.HalfDay.values:
                if (enrolment, day, half_day) != (second, session.sorted_days[-1], "pm"):
                    mark(enrolment, day, half_day, Attendance.Status.ABSENT)
    assert alice_client.get(HOME).context["attention"].attendance_missing == [session]

    mark(second, session.sorted_days[-1], "pm", Attendance.Status.EXCUSED)

    response = alice_client.get(HOME)
    assert response.context["attention"].attendance_missing == []
    assert not sections(response)["attendance"]


def test_a_finished_session_without_trainees_or_cancelled_needs_no_attendance(
    alice_client, provider, module_2
):
    finished(provider=provider, module=module_2)
    cancelled = finished(provider=provider, module=module_2, status=Session.Status.CANCELLED)
    confirmed(cancelled)

    assert alice_client.get(HOME).context["attention"].attendance_missing == []


def test_another_providers_sessions_are_not_shown(alice_client, other_provider, module_2):
    confirmed(finished(provider=other_provider, module=module_2))
    closing_in(5, provider=other_provider, module=module_2)

    attention = alice_client.get(HOME).context["attention"]

    assert attention.under_minimum == [] and attention.attendance_missing == []


def add_alerts(provider, module, count):
    for _ in range(count):
        pending_enrolment(closing_in(7, provider=provider, module=module))
        confirmed(finished(provider=provider, module=module))


def queries_for(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(captured), response


def test_the_home_page_costs_the_same_queries_for_2_and_12_alerts(
    alice_client, provider, module_2, django_assert_num_queries
):
    add_alerts(provider, module_2, 2)
    with_2, response = queries_for(alice_client)
    assert len(response.context["attention"].under_minimum) == 2
    assert with_2 <= 8, with_2

    add_alerts(provider, module_2, 10)
    with django_assert_num_queries(with_2):
        response = alice_client.get(HOME)

    assert len(response.context["attention"].under_minimum) == 12
    assert len(response.context["attention"].attendance_missing) == 12

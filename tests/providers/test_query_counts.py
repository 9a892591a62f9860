"""The space's pages cost the same number of queries whatever the number of sessions and
enrolments."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enrolment.models import Enrolment
from tests.factories import EmployerFactory, EnrolmentFactory, SessionFactory, TraineeFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_sessions(provider, module, count):
    """`count` sessions, half upcoming and half recent, each with one enrolment of every
    status (the pending ones with a declaration and needs)."""
    today = timezone.localdate()
    for index in range(count):
        offset = 30 + index if index % 2 else -10 - index
        day = today + datetime.timedelta(days=offset)
        session = SessionFactory(
            provider=provider,
            module=module,
            days=[day, day + datetime.timedelta(days=1)],
            registration_deadline=day - datetime.timedelta(days=7),
        )
        add_enrolments(session, 1)


def add_enrolments(session, each):
    # The space lists enrolments whose address is confirmed.
    statuses = [s for s in Enrolment.Status.values if s != Enrolment.Status.UNCONFIRMED]
    for status in statuses:
        for _ in range(each):
            EnrolmentFactory(
                session=session,
                status=status,
                trainee=TraineeFactory(employer=EmployerFactory()),
                employer=EmployerFactory(),
                prerequisite_basis="practice",
                prerequisite_practice="Maraudes.",
                disability_needs="Salle de plain-pied.",
                waitlisted_at=timezone.now() if status == "waitlisted" else None,
            )


def test_home_runs_the_same_queries_for_3_and_30_sessions(alice_client, provider, module_2):
    add_sessions(provider, module_2, 3)
    with_3 = queries_for(alice_client, "/espace-organisme/")

    add_sessions(provider, module_2, 27)
    with_30 = queries_for(alice_client, "/espace-organisme/")

    assert with_30 == with_3
    assert with_3 <= 8, with_3


def test_session_page_runs_the_same_queries_for_5_and_30_enrolments(alice_client, session):
    url = f"/espace-organisme/sessions/{session.pk}/"
    add_enrolments(session, 1)
    with_few = queries_for(alice_client, url)

    add_enrolments(session, 5)
    with_many = queries_for(alice_client, url)

    assert Enrolment.objects.filter(session=session).count() == 30
    assert with_many == with_few
    assert with_few <= 6, with_few


def test_refusal_page_runs_a_handful_of_queries(alice_client, session):
    add_enrolments(session, 1)
    pending = Enrolment.objects.get(session=session, status="pending")

    assert queries_for(alice_client, f"/espace-organisme/inscriptions/{pending.pk}/refuser/") <= 5

"""Real concurrent transactions on PostgreSQL: threads, each with its own connection, submit at
the same moment. SQLite has no row locks, so these tests only run on PostgreSQL (and must, in
CI)."""

import fcntl
import os
import tempfile
import threading
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from enrolment import services
from enrolment.mails import MailKind
from enrolment.models import Enrolment, Trainee
from enrolment.selectors import waitlist_position
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory, SessionFactory

from .helpers import enrol, form_data, submit

TRAINEE = Actor.trainee()

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SUBMISSIONS = 50
FREE_SEATS = 10


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("The concurrency tests must run on PostgreSQL in CI.")
        pytest.skip("Needs PostgreSQL (row locks).")


def _run_at_once(func, count):
    """Call func(0..count-1) in `count` threads released together; each thread closes its own
    connection when done. Returns (results, errors)."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def worker(index):
        try:
            barrier.wait(timeout=30)
            results[index] = func(index)
        except Exception as exc:  # noqa: BLE001 - every failure is reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    # One rush at a time across the xdist workers: each opens `count` connections, and two
    # at once would pass PostgreSQL's max_connections (100 by default).
    with open(Path(tempfile.gettempdir()) / "allervers-rush.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a submission hung"
    return results, errors


def _session_with_free_seats():
    session = SessionFactory(capacity=FREE_SEATS + 2, min_participants=0)
    EnrolmentFactory.create_batch(2, session=session)
    return session


def _assert_seats_then_waiting_list(session):
    submitted = session.enrolments.filter(trainee__email__endswith="@concurrence.example.org")
    assert submitted.count() == SUBMISSIONS
    assert session.enrolments.holding_seat().count() == session.capacity
    waitlisted = list(session.enrolments.waitlisted())
    assert len(waitlisted) == SUBMISSIONS - FREE_SEATS
    assert [waitlist_position(e) for e in waitlisted] == list(range(1, len(waitlisted) + 1))


def test_fifty_simultaneous_enrolments_for_ten_seats(mailoutbox):
    session = _session_with_free_seats()

    results, errors = _run_at_once(
        lambda n: enrol(session, email=f"p{n}@concurrence.example.org"), SUBMISSIONS
    )

    assert errors == []
    statuses = [result.enrolment.status for result in results]
    assert statuses.count(Enrolment.Status.CONFIRMED) == FREE_SEATS
    assert statuses.count(Enrolment.Status.WAITLISTED) == SUBMISSIONS - FREE_SEATS
    _assert_seats_then_waiting_list(session)
    # Each submission committed its address confirmation mail, and each confirmation its
    # confirmation mail, each sent once.
    assert OutboxMail.objects.filter(status=OutboxMail.Status.SENT).count() == 2 * SUBMISSIONS
    assert len(mailoutbox) == 2 * SUBMISSIONS


def test_fifty_simultaneous_form_submissions_for_ten_seats(settings):
    settings.ENROLMENT_RATE_LIMIT_ENROL = 1000
    session = _session_with_free_seats()
    url = reverse("enrolment:enrol", args=[session.pk])

    def submit(n):
        response = Client().post(
            url, form_data(email=f"p{n}@concurrence.example.org"), REMOTE_ADDR=f"10.0.0.{n}"
        )
        return response.status_code, response.get("Location", "")

    results, errors = _run_at_once(submit, SUBMISSIONS)

    assert errors == []
    assert all(status == 302 for status, _ in results), results
    assert {location for _, location in results} == {
        reverse("enrolment:received", args=[session.pk])
    }
    # The holds keep the seats, then the waiting-list places in the order of submission, while
    # the addresses are confirmed, in any order.
    unconfirmed = session.enrolments.filter(status=Enrolment.Status.UNCONFIRMED)
    assert session.enrolments.holding_seat().count() == session.capacity
    ids = list(unconfirmed.values_list("pk", flat=True))
    results, errors = _run_at_once(
        lambda n: services.enrolment_confirm(enrolment_id=ids[-1 - n]), len(ids)
    )
    assert errors == []
    _assert_seats_then_waiting_list(session)


def test_one_person_submitting_ten_times_at_once_gets_one_enrolment():
    session = _session_with_free_seats()

    results, errors = _run_at_once(
        lambda n: submit(session, email="lea@concurrence.example.org"), 10
    )

    assert errors == []
    assert sum(result.created for result in results) == 1
    assert len({result.enrolment.pk for result in results}) == 1
    assert Trainee.objects.filter(email="lea@concurrence.example.org").count() == 1
    # The confirmation link goes again once every few minutes at most.
    assert OutboxMail.objects.filter(kind=MailKind.ADDRESS_CONFIRM).count() == 1


def test_new_trainee_enrolling_in_two_sessions_at_once_is_created_once():
    sessions = [SessionFactory(), SessionFactory()]

    results, errors = _run_at_once(
        lambda n: enrol(sessions[n % 2], email="lea@concurrence.example.org"), 2
    )

    assert errors == []
    assert Trainee.objects.filter(email="lea@concurrence.example.org").count() == 1
    assert {result.enrolment.session_id for result in results} == {s.pk for s in sessions}


def test_simultaneous_cancellations_offer_each_freed_seat_once():
    session = SessionFactory(capacity=5, min_participants=0)
    confirmed = EnrolmentFactory.create_batch(5, session=session)
    waiting = [enrol(session).enrolment for _ in range(8)]

    _, errors = _run_at_once(
        lambda n: services.enrolment_cancel(enrolment_id=confirmed[n].pk, by=TRAINEE),
        len(confirmed),
    )

    assert errors == []
    offered = session.enrolments.filter(offer_expires_at__isnull=False).order_by("pk")
    assert [e.pk for e in offered] == [e.pk for e in waiting[:5]]
    assert session.enrolments.holding_seat().count() == 5

"""Two beats at once: the same job in concurrent transactions on PostgreSQL queues each mail
once (the outbox's dedup key). SQLite has no concurrent writers: PostgreSQL only, and in CI
these tests must run."""

import os
import threading

import pytest
from django.db import connection, connections

from enrolment import jobs
from enrolment.mails import MailKind
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory

from .helpers import FIRST_DAY, at, days, frozen, session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUNS = 6


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("The concurrent job tests must run on PostgreSQL in CI.")
        pytest.skip("Needs PostgreSQL (concurrent transactions).")


def _at_once(func, count):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def worker(index):
        try:
            barrier.wait(timeout=30)
            results[index] = func()
        except Exception as exc:  # noqa: BLE001 - every failure is reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a job hung"
    return results, errors


def test_convocation_jobs_running_at_once_queue_each_convocation_once(mailoutbox):
    upcoming = session()
    enrolments = [EnrolmentFactory(session=upcoming) for _ in range(5)]

    with frozen(at(FIRST_DAY - days(7), 8)):
        results, errors = _at_once(jobs.convocations_send, RUNS)

    assert errors == []
    assert sum(results) == len(enrolments)
    rows = OutboxMail.objects.filter(kind=MailKind.CONVOCATION)
    assert sorted(rows.values_list("enrolment", flat=True)) == sorted(e.pk for e in enrolments)
    assert len(mailoutbox) == len(enrolments)

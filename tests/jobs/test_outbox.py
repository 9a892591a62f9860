"""The outbox under failure: an SMTP error leaves the row retryable, the sweeper hands stuck
rows back to a worker, and no row is ever sent twice."""

import datetime
import socket

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from enrolment.mails import mail_queue
from enrolment.models import Enrolment
from enrolment.tasks import send_convocations
from outbox.models import OutboxMail
from outbox.tasks import send_outbox_mail, sweep_outbox
from tests.enrolment.helpers import form_data
from tests.factories import EnrolmentFactory, OutboxMailFactory

from .helpers import FIRST_DAY, at, days, frozen, session

pytestmark = pytest.mark.django_db

Status = OutboxMail.Status


@pytest.fixture
def smtp_down(settings):
    """The real SMTP backend, pointed at a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 2


def _age(row, *, minutes, status=None, attempts=None):
    """Make a row look untouched for `minutes`."""
    values = {"updated_at": timezone.now() - datetime.timedelta(minutes=minutes)}
    if status:
        values["status"] = status
    if attempts is not None:
        values["attempts"] = attempts
    OutboxMail.objects.filter(pk=row.pk).update(**values)


def test_smtp_error_leaves_the_row_retryable_and_the_retry_sends_it_once(
    smtp_down, settings, run, mailoutbox, caplog
):
    EnrolmentFactory(session=session())

    with frozen(at(FIRST_DAY - days(7), 8)):
        run(send_convocations)
    row = OutboxMail.objects.get()
    assert (row.status, row.attempts, row.sent_at) == (Status.FAILED, 1, None)
    assert "ConnectionRefusedError" in row.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with frozen(at(FIRST_DAY - days(7), 8, 30)):
        assert run(sweep_outbox) == 0
    with frozen(at(FIRST_DAY - days(7), 9, 5)):
        assert run(sweep_outbox) == 1
        assert run(send_convocations) == 0
    with frozen(at(FIRST_DAY - days(7), 11)):
        assert run(sweep_outbox) == 0

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert len(mailoutbox) == 1


def test_a_broker_down_at_commit_keeps_the_enrolment_and_leaves_the_row_for_the_sweeper(
    client, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_outbox_mail, "delay", broker_down)
    upcoming = session(min_participants=0)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enrolment:enrol", args=[upcoming.pk]), form_data(email="lea@ccas.example.org")
        )

    assert response.status_code == 302
    assert Enrolment.objects.get().status == Enrolment.Status.UNCONFIRMED
    assert OutboxMail.objects.get().status == Status.QUEUED
    assert not mailoutbox


def test_sweeper_hands_back_rows_stuck_in_queued_or_sending(run, mailoutbox, settings):
    settings.OUTBOX_STUCK_MINUTES = 60
    settings.OUTBOX_MAX_ATTEMPTS = 3
    lost = OutboxMailFactory()
    _age(lost, minutes=90)
    interrupted = OutboxMailFactory()
    _age(interrupted, minutes=90, status=Status.SENDING, attempts=1)
    given_up = OutboxMailFactory()
    _age(given_up, minutes=90, status=Status.FAILED, attempts=3)
    waiting = OutboxMailFactory()
    _age(waiting, minutes=10)
    being_sent = OutboxMailFactory()
    _age(being_sent, minutes=10, status=Status.SENDING, attempts=1)

    assert run(sweep_outbox) == 2
    assert run(sweep_outbox) == 0

    def state(row):
        row.refresh_from_db()
        return row.status, row.attempts

    assert state(lost) == (Status.SENT, 1)
    assert state(interrupted) == (Status.SENT, 2)
    assert state(given_up) == (Status.FAILED, 3)
    assert state(waiting) == (Status.QUEUED, 0)
    assert state(being_sent) == (Status.SENDING, 1)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([lost.recipient, interrupted.recipient])


def test_a_duplicated_task_sends_the_mail_once(mailoutbox):
    row = OutboxMailFactory()

    send_outbox_mail.apply(args=[row.pk])
    send_outbox_mail.apply(args=[row.pk])

    assert len(mailoutbox) == 1


def test_a_dedup_key_writes_one_row_and_queues_one_sending(django_capture_on_commit_callbacks):
    enrolment = EnrolmentFactory()

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        first = mail_queue(kind="convocation", enrolment=enrolment, dedup_key="convocation:1")
        second = mail_queue(kind="convocation", enrolment=enrolment, dedup_key="convocation:1")

    assert first is not None and second is None
    assert OutboxMail.objects.count() == 1
    assert len(callbacks) == 1


def test_a_row_failed_the_maximum_number_of_times_is_never_claimed_again(settings, mailoutbox):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    given_up = OutboxMailFactory()
    _age(given_up, minutes=5, status=Status.FAILED, attempts=3)
    retryable = OutboxMailFactory()
    _age(retryable, minutes=5, status=Status.FAILED, attempts=2)

    # A late retry or a duplicated message of the task.
    send_outbox_mail.apply(args=[given_up.pk])
    send_outbox_mail.apply(args=[retryable.pk])

    given_up.refresh_from_db()
    retryable.refresh_from_db()
    assert (given_up.status, given_up.attempts) == (Status.FAILED, 3)
    assert (retryable.status, retryable.attempts) == (Status.SENT, 3)
    assert [m.to[0] for m in mailoutbox] == [retryable.recipient]

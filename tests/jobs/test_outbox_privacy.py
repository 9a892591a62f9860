"""A failed sending logs no personal data: an SMTP server's reply may quote the recipient's
address, and neither Celery's retry and failure logs nor the row staff read may repeat it."""

import logging
import smtplib

import pytest

from allervers.celery import app
from outbox.models import OutboxMail
from outbox.services import mail_error_summary
from outbox.tasks import send_outbox_mail
from tests.factories import OutboxMailFactory

pytestmark = pytest.mark.django_db

ADDRESS = "lea@x.example.org"


class RefusingBackend:
    """An SMTP server that refuses the recipient, quoting the address in its reply."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({ADDRESS: (550, f"no such user {ADDRESS}".encode())})


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="celery")
    return caplog


@pytest.fixture
def eager_retries_run_to_the_end():
    """Eager retries run at once, one after the other, as a worker would run them later; a
    failure is recorded in the result instead of raised in the test."""
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


def _logged_text(records) -> str:
    """Each record as a handler would write it, with its traceback."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


def test_refused_recipient_leaves_the_address_out_of_every_log_and_the_row(
    settings, logs, eager_retries_run_to_the_end, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.jobs.test_outbox_privacy.RefusingBackend"
    row = OutboxMailFactory(recipient=ADDRESS)

    result = send_outbox_mail.apply(args=[row.pk])

    attempts = send_outbox_mail.max_retries + 1
    assert result.state == "FAILURE"
    assert repr(result.result) == "OutboxSendError('SMTPRecipientsRefused 550')"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxMail.Status.FAILED, attempts)
    assert row.last_error == "SMTPRecipientsRefused 550"
    # What the staff need is logged: each retry and the last failure, with its traceback,
    # the error's type and its SMTP code.
    retries = [r for r in logs.records if r.name == "celery.app.trace" and "retry" in r.msg]
    assert len(retries) == attempts - 1
    [failure] = [r for r in logs.records if r.levelno >= logging.ERROR]
    assert failure.exc_info is not None
    logged = _logged_text(logs.records)
    assert "OutboxSendError: SMTPRecipientsRefused 550" in logged
    assert ADDRESS not in logged


@pytest.mark.parametrize(
    ("error", "summary"),
    [
        (smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"no")}), "SMTPRecipientsRefused 550"),
        (smtplib.SMTPDataError(554, f"rejected for {ADDRESS}".encode()), "SMTPDataError 554"),
        (smtplib.SMTPSenderRefused(553, b"bad sender", ADDRESS), "SMTPSenderRefused 553"),
        (smtplib.SMTPServerDisconnected(f"lost {ADDRESS}"), "SMTPServerDisconnected"),
        (ConnectionRefusedError(111, "Connection refused"), "ConnectionRefusedError 111"),
        (TimeoutError("timed out"), "TimeoutError"),
    ],
)
def test_error_summary_keeps_the_type_and_code_only(error, summary):
    assert mail_error_summary(error) == summary

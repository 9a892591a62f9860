"""The outbox. Every mail is a row written in the transaction of the change that causes it
(queue.mail_queue) and sent by a Celery task once that transaction has committed.

What the outbox guarantees: a row marked sent is never sent again, and two workers never send
one row at the same time (the claim, queued or failed -> sending, is one committed UPDATE; the
sweeper takes back only rows left sending longer than a task may live). What it does not:
delivery is at-least-once at the SMTP level. A server that accepts the message then fails on
QUIT, or a worker that dies once the server has it, leaves the row failed or stuck sending,
and the retry may send that mail a second time.

Bodies are rendered when the mail leaves, from the row's kind and the row it is about (an
enrolment, a session, a reminder subscription), rather than stored when it is queued: the rows
stay small and hold no copy of personal data (erasing a trainee needs no scrubbing of old
bodies), a template fix reaches the mails still queued, and the rendering (templates, .ics)
happens outside the caller's locks. The price: a mail shows its row as it is when it leaves,
seconds after the event; a mail whose cause was undone in between (an offer already lapsed or
taken, a session cancelled before its convocation) is not sent but marked "skipped".

This module imports no task: tasks.py imports it, and an import back, even inside a function,
would close a cycle. The sweeper is handed the function that queues a row instead.
"""

import datetime
import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMail
from .registry import outbox_message

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
Status = OutboxMail.Status


def claimable_q() -> Q:
    """The rows a worker may take: queued, or failed with attempts left. A row failed
    OUTBOX_MAX_ATTEMPTS times stays failed, for staff to see: a late task retry, a duplicate
    message or the sweeper must not try it again."""
    return Q(status=Status.QUEUED) | Q(
        status=Status.FAILED, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
    )


def outbox_send(*, mail_id: int) -> bool:
    """Send one outbox row unless it is already sent, being sent, or failed
    OUTBOX_MAX_ATTEMPTS times; True if this call sent it.

    Call outside any transaction: the claim (queued or failed -> sending) must be committed
    before the SMTP conversation, so that a duplicate task finds the row taken and sends
    nothing. Raises on a sending error after marking the row failed (the task retries)."""
    now = timezone.now()
    claimed = OutboxMail.objects.filter(claimable_q(), pk=mail_id).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        updated_at=now,
    )
    if not claimed:
        return False
    mail = OutboxMail.objects.get(pk=mail_id)
    try:
        message = outbox_message(mail)
        if message is None:
            OutboxMail.objects.filter(pk=mail_id).update(
                status=Status.SKIPPED, updated_at=timezone.now()
            )
            return False
        message.send()
    except Exception as exc:
        summary = mail_error_summary(exc)
        OutboxMail.objects.filter(pk=mail_id).update(
            status=Status.FAILED, last_error=summary, updated_at=timezone.now()
        )
        logger.warning("Outbox mail %s failed: %s", mail_id, summary)
        raise
    sent_at = timezone.now()
    OutboxMail.objects.filter(pk=mail_id).update(
        status=Status.SENT,
        subject=message.subject[:250],
        sent_at=sent_at,
        updated_at=sent_at,
    )
    return True


class OutboxSendError(Exception):
    """A sending error told without its text (`mail_error_summary`): what Celery logs and keeps
    of a retried task."""


def mail_error_summary(exc: BaseException) -> str:
    """The error's type and its SMTP code or errno, never its text: an SMTP server's reply
    often quotes the recipient's address ("550 no such user lea@..."), and the summary goes to
    the logs and to the row that staff read."""
    codes: list[int] = []
    if isinstance(exc, smtplib.SMTPResponseException):
        codes = [exc.smtp_code]
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _message in exc.recipients.values()})
    elif isinstance(exc, OSError) and exc.errno is not None:
        codes = [exc.errno]
    return " ".join([type(exc).__name__, *(str(code) for code in codes)])


def outbox_sweep(*, enqueue: Callable[[int], None], now: datetime.datetime | None = None) -> int:
    """Queue again the mails stuck for OUTBOX_STUCK_MINUTES: queued but never sent (broker
    down at commit, message lost), caught mid-send by a dying worker, or failed with attempts
    left (OUTBOX_MAX_ATTEMPTS; beyond, they stay failed, for staff to see). Each row is
    handed over at most once per period. Returns the rows queued again.

    `enqueue(mail_id)` is called inside each batch's transaction and must hand the row over
    once it commits: the sweep task passes tasks.outbox_enqueue_on_commit."""
    now = now or timezone.now()
    stuck_before = now - datetime.timedelta(minutes=settings.OUTBOX_STUCK_MINUTES)
    # A row left "sending" has a worker that died or an SMTP call that outlived the time
    # limit; outbox_send claims failed rows again. The mail may have left before the worker
    # died: sending it again is the lesser harm than never sending it.
    OutboxMail.objects.filter(status=Status.SENDING, updated_at__lt=stuck_before).update(
        status=Status.FAILED, last_error="Envoi interrompu (worker arrêté ou délai dépassé)."
    )
    stuck = Q(updated_at__lt=stuck_before) & claimable_q()
    requeued = 0
    while True:
        with transaction.atomic():
            # Locked rows are another sweeper's; touching updated_at takes a row out of the
            # next batches and the next runs for a period.
            ids = list(
                OutboxMail.objects.select_for_update(skip_locked=True)
                .filter(stuck)
                .order_by("pk")
                .values_list("pk", flat=True)[:SWEEP_BATCH]
            )
            if not ids:
                return requeued
            OutboxMail.objects.filter(pk__in=ids).update(updated_at=now)
            for mail_id in ids:
                enqueue(mail_id)
        requeued += len(ids)


def outbox_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the outbox rows older than OUTBOX_RETENTION_DAYS. The periodic jobs select work
    within days of a session's dates, so no deleted dedup key is ever needed again. Run daily
    by the retention job (enrolment.retention)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted, _ = OutboxMail.objects.filter(created_at__lt=cutoff).delete()
    return deleted

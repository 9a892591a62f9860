"""The outbox's Celery tasks, and the one function that queues the sending task.

The outbox's modules import one another in one direction only, none of them inside a
function: kinds <- models <- registry <- services <- tasks <- queue. services.py holds the
logic and knows no task; this module knows the sending task and is the only one that queues
it (outbox_enqueue_on_commit, below), for queue.mail_queue and for the sweeper, which gets it
as an argument. A call through `.delay` rather than by the task's name (send_task) so that the
settings' task_always_eager runs it in-process, in tests and without a broker.

Every task here is idempotent, so the settings acknowledge messages late and give them back
when a worker dies (CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST)."""

import smtplib

from celery import shared_task
from django.conf import settings
from django.db import transaction

from .services import OutboxSendError, mail_error_summary, outbox_send, outbox_sweep

# OSError covers a refused, dropped or timed-out connection to the SMTP server.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(
    autoretry_for=(OutboxSendError,),
    retry_backoff=60,
    # Countdowns stay below the broker's visibility timeout (checked in the settings): a
    # longer one would be delivered twice.
    retry_backoff_max=settings.OUTBOX_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=settings.OUTBOX_MAX_ATTEMPTS - 1,
)
def send_outbox_mail(mail_id: int) -> None:
    """Send one outbox row. Duplicates and retries of a sent row send nothing."""
    try:
        outbox_send(mail_id=mail_id)
    except MAIL_ERRORS as exc:
        # Celery logs a retry, and a final failure, with the exception's text, where an SMTP
        # reply may quote the recipient's address: it gets only the type and code.
        error = OutboxSendError(mail_error_summary(exc))
    else:
        return
    # Raised outside the except block, so the original is not chained in as its context.
    raise error


def outbox_enqueue_on_commit(mail_id: int) -> None:
    """Hand the row to a worker (the mail queue) once the current transaction commits.

    robust: a broker that is down must not turn a committed change into an error page; the
    row stays queued for the sweeper. A named function rather than functools.partial: Django
    logs a robust callback's failure with its __qualname__, which a partial lacks."""

    def enqueue():
        send_outbox_mail.delay(mail_id)

    transaction.on_commit(enqueue, robust=True)


@shared_task
def sweep_outbox() -> int:
    return outbox_sweep(enqueue=outbox_enqueue_on_commit)

"""Celery tasks: a few lines each, ids as arguments, the rules in the services and jobs.

Every task here is idempotent, so the settings acknowledge messages late and give them back
when a worker dies (CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST)."""

import smtplib

from celery import shared_task
from django.conf import settings

from . import jobs, retention
from .mail import OutboxSendError, mail_error_summary, outbox_send
from .services import offers_expire

# OSError covers a refused, dropped or timed-out connection to the SMTP server.
MAIL_ERRORS = (smtplib.SMTPException, OSError)
# The periodic scans may take longer than a mail.
JOB_LIMITS = {"soft_time_limit": 540, "time_limit": 600}


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


@shared_task
def sweep_outbox() -> int:
    return jobs.outbox_sweep()


@shared_task
def expire_waitlist_offers() -> int:
    return offers_expire()


@shared_task(**JOB_LIMITS)
def send_deadline_reminders() -> int:
    return jobs.reminders_send()


@shared_task(**JOB_LIMITS)
def close_registrations() -> int:
    return jobs.registrations_close()


@shared_task(**JOB_LIMITS)
def send_convocations() -> int:
    return jobs.convocations_send()


@shared_task(**JOB_LIMITS)
def send_satisfaction_questionnaires() -> int:
    return jobs.satisfaction_requests_send()


@shared_task(**JOB_LIMITS)
def apply_retention() -> int:
    return retention.retention_apply()

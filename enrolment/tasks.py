"""Celery tasks: a few lines each, ids as arguments, the rules in the services and jobs. The
mails' sending and sweeping tasks are the outbox's (outbox.tasks).

Every task here is idempotent, so the settings acknowledge messages late and give them back
when a worker dies (CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST)."""

from celery import shared_task

from . import jobs, retention
from .services import holds_expire, offers_expire

# The periodic scans may take longer than a mail.
JOB_LIMITS = {"soft_time_limit": 540, "time_limit": 600}


@shared_task
def expire_waitlist_offers() -> int:
    return offers_expire()


@shared_task
def expire_unconfirmed_holds() -> int:
    return holds_expire()


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

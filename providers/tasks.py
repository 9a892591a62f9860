"""Celery tasks of the providers' space: thin wrappers over the services."""

from celery import shared_task

from enrolment.tasks import JOB_LIMITS

from .digests import pending_digests_send


@shared_task(**JOB_LIMITS)
def send_pending_digests() -> int:
    return pending_digests_send()

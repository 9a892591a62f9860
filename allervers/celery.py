"""The Celery app: configured from Django's settings (CELERY_*), tasks found in each app's
tasks.py, and the periodic schedule (Europe/Paris, CELERY_TIMEZONE). Run exactly one beat."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allervers.settings")

app = Celery("allervers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each job scans the database and claims what it does: a late or repeated run sends nothing
# twice, so the schedule needs no ETA task and tolerates a beat that restarts.
app.conf.beat_schedule = {
    "outbox-sweep": {
        "task": "outbox.tasks.sweep_outbox",
        "schedule": crontab(minute="*/10"),
    },
    "waitlist-offers-expire": {
        "task": "enrolment.tasks.expire_waitlist_offers",
        "schedule": crontab(minute="*/5"),
    },
    "unconfirmed-holds-expire": {
        "task": "enrolment.tasks.expire_unconfirmed_holds",
        "schedule": crontab(minute="*/5"),
    },
    "registration-close": {
        "task": "enrolment.tasks.close_registrations",
        "schedule": crontab(hour=7, minute=30),
    },
    "convocations": {
        "task": "enrolment.tasks.send_convocations",
        "schedule": crontab(hour=8, minute=0),
    },
    # After the reminders' moment (9:00, enrolment.jobs.REMINDER_TIME).
    "deadline-reminders": {
        "task": "enrolment.tasks.send_deadline_reminders",
        "schedule": crontab(hour=9, minute=5),
    },
    "satisfaction-questionnaires": {
        "task": "enrolment.tasks.send_satisfaction_questionnaires",
        "schedule": crontab(hour=10, minute=0),
    },
    "retention": {
        "task": "enrolment.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=30),
    },
    # At most one digest an hour per provider (providers.digests).
    "pending-enrolment-digests": {
        "task": "providers.tasks.send_pending_digests",
        "schedule": crontab(minute=15),
    },
}


def route_task(name, args, kwargs, options, task=None, **kw):
    """Mails to the mail queue. The name is read when the task is sent, from the settings, so
    that a test can give its worker queues of its own."""
    from django.conf import settings

    if name == "outbox.tasks.send_outbox_mail":
        return {"queue": settings.MAIL_QUEUE}
    return None

"""The Celery setup the README promises: reliability settings, the mail queue, the schedule."""

from celery.schedules import crontab
from django.conf import settings

from allervers.celery import app, route_task
from outbox.services import OutboxSendError


def test_tasks_are_acknowledged_late_and_given_back_when_a_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_ignore_result is True
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_mail_retries_back_off_with_jitter_below_the_visibility_timeout():
    app.loader.import_default_modules()
    task = app.tasks["outbox.tasks.send_outbox_mail"]
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    # The task turns SMTP and connection errors into this one, which carries no address.
    assert task.autoretry_for == (OutboxSendError,)
    assert task.max_retries == settings.OUTBOX_MAX_ATTEMPTS - 1
    assert task.retry_jitter is True
    assert task.retry_backoff_max < visibility
    assert app.conf.task_time_limit < visibility


def test_mails_go_to_their_own_queue_and_other_tasks_to_the_default_one(settings):
    assert route_task("outbox.tasks.send_outbox_mail", (), {}, {}) == {"queue": "mail"}
    assert route_task("enrolment.tasks.send_convocations", (), {}, {}) is None
    settings.MAIL_QUEUE = "mail-test"
    assert route_task("outbox.tasks.send_outbox_mail", (), {}, {}) == {"queue": "mail-test"}
    assert app.amqp.router.route({}, "outbox.tasks.send_outbox_mail")["queue"].name == ("mail-test")


def test_every_scheduled_task_exists_and_runs_on_paris_time():
    # What a worker does at start: import every app's tasks module.
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert app.conf.timezone == settings.TIME_ZONE == "Europe/Paris"
    for entry in schedule.values():
        assert entry["task"] in app.tasks
        assert isinstance(entry["schedule"], crontab)
    tasks = {entry["task"] for entry in schedule.values()}
    assert tasks == {
        "outbox.tasks.sweep_outbox",
        "enrolment.tasks.expire_waitlist_offers",
        "enrolment.tasks.expire_unconfirmed_holds",
        "enrolment.tasks.close_registrations",
        "enrolment.tasks.send_convocations",
        "enrolment.tasks.send_deadline_reminders",
        "enrolment.tasks.send_satisfaction_questionnaires",
        "enrolment.tasks.apply_retention",
        "providers.tasks.send_pending_digests",
    }

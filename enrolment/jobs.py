"""The periodic jobs (Celery beat, Europe/Paris). Each one scans the database for the work due
now and claims every piece of it with the outbox's dedup key, in one transaction per session;
the mails leave after commit, outside any transaction. A job that runs twice, late, or on two
beats at once sends each mail once. The waiting-list offers expire in services.offers_expire,
the personal data in retention; the outbox's sweeper is in outbox.services."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .job_selectors import (
    SATISFACTION_CATCH_UP_DAYS,
    job_sessions,
    reminder_recipients,
    reminder_stage_due,
    satisfaction_recipients,
    session_counts,
    sessions_not_started,
)
from .mails import MailKind, convocations_queue, mail_queue

logger = logging.getLogger(__name__)


def _now_and_today(now: datetime.datetime | None) -> tuple[datetime.datetime, datetime.date]:
    now = now or timezone.now()
    return now, timezone.localdate(now)


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """At each reminder stage (REMINDER_DAYS_BEFORE days before the registration deadline, at
    9:00): the confirmed subscribers who have not enrolled get a reminder while seats remain,
    and the OPCO contact and the provider get the session's figures. Returns the mails
    queued."""
    now, today = _now_and_today(now)
    queued = 0
    for session in sessions_not_started(today=today):
        stage = reminder_stage_due(session, now=now)
        if stage is None:
            continue
        with transaction.atomic():
            queued += _summaries_queue(session, stage=stage)
            if session_counts(session).seats_left == 0:
                continue
            for subscription in reminder_recipients(session, days_before=stage):
                mail = mail_queue(
                    kind=MailKind.REMINDER,
                    subscription=subscription,
                    session=session,
                    dedup_key=f"reminder:{subscription.pk}:{stage}",
                )
                queued += mail is not None
    return queued


def _summaries_queue(session, *, stage: int) -> int:
    recipients = {
        "opco": session.opco_contact.email if session.opco_contact else "",
        "provider": session.provider.email,
    }
    queued = 0
    for role, address in recipients.items():
        if not address:
            continue
        mail = mail_queue(
            kind=MailKind.SESSION_SUMMARY,
            session=session,
            recipient=address,
            dedup_key=f"summary:{session.pk}:{role}:{stage}",
        )
        queued += mail is not None
    return queued


def registrations_close(*, now: datetime.datetime | None = None) -> int:
    """Once a session's registration deadline has passed (the pages close it by date), alert
    the OPCO contact, once, if the session is under its minimum, so that they maintain or
    cancel it before it starts. Returns the alerts queued."""
    now, today = _now_and_today(now)
    queued = 0
    for session in sessions_not_started(today=today):
        closes_on = session.registration_closes_on
        if closes_on is None or closes_on >= today or not session_counts(session).under_minimum:
            continue
        # The provider stands in for a session without an OPCO contact.
        recipient = session.opco_contact.email if session.opco_contact else session.provider.email
        if not recipient:
            logger.warning("Session %s is under its minimum and has no contact.", session.pk)
            continue
        with transaction.atomic():
            mail = mail_queue(
                kind=MailKind.MINIMUM_ALERT,
                session=session,
                recipient=recipient,
                dedup_key=f"minimum_alert:{session.pk}",
            )
        queued += mail is not None
    return queued


def convocations_send(*, now: datetime.datetime | None = None) -> int:
    """From CONVOCATION_DAYS_BEFORE days before the first day until the day before it, each
    confirmed trainee gets the convocation once (one confirmed late gets it the next morning).
    Cancelled sessions are not published: they send none. Returns the mails queued."""
    now, today = _now_and_today(now)
    horizon = today + datetime.timedelta(days=settings.CONVOCATION_DAYS_BEFORE)
    queued = 0
    for session in job_sessions().filter(first_date__gt=today, first_date__lte=horizon):
        with transaction.atomic():
            queued += convocations_queue(session)[0]
    return queued


def satisfaction_requests_send(*, now: datetime.datetime | None = None) -> int:
    """From the day after the last day (and for SATISFACTION_CATCH_UP_DAYS after it, should the
    beat have been down), each confirmed trainee (each one present, once attendance is
    recorded) who has not answered yet gets the questionnaire once. Returns the mails
    queued."""
    now, today = _now_and_today(now)
    oldest = today - datetime.timedelta(days=SATISFACTION_CATCH_UP_DAYS)
    queued = 0
    for session in job_sessions().filter(last_date__lt=today, last_date__gte=oldest):
        with transaction.atomic():
            for enrolment in satisfaction_recipients(session):
                mail = mail_queue(
                    kind=MailKind.SATISFACTION,
                    enrolment=enrolment,
                    session=session,
                    dedup_key=f"satisfaction:{enrolment.pk}",
                )
                queued += mail is not None
    return queued

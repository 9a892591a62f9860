"""Retention: trainees anonymised RETENTION_MONTHS after their last session, statistics kept;
old outbox rows and past sessions' reminder requests deleted; every run idempotent."""

import datetime

import pytest
from django.utils import timezone

from catalogue.models import Session
from enrolment.models import Enrolment, OutboxMail, ReminderSubscription, Trainee
from enrolment.retention import (
    months_before,
    outbox_purge,
    reminder_subscriptions_purge,
    trainees_anonymise,
)
from enrolment.tasks import apply_retention
from tests.factories import EnrolmentFactory, OutboxMailFactory, TraineeFactory

from .helpers import LAST_DAY, at, days, frozen, session, subscription

pytestmark = pytest.mark.django_db

# 36 months after the session's last day (11 April 2031).
EXPIRY = datetime.date(2034, 4, 11)


def _enrolled(session, **trainee):
    with frozen(at(LAST_DAY - days(60))):
        return EnrolmentFactory(
            session=session,
            trainee=TraineeFactory(**trainee),
            employer_contact_name="Claire Petit",
            employer_contact_email="claire.petit@ccas.example.org",
            disability_needs="Salle accessible en fauteuil.",
            prerequisite_basis="practice",
            prerequisite_practice="Maraudes depuis 2021.",
        )


def test_months_before_keeps_the_day_or_takes_the_end_of_a_shorter_month():
    assert months_before(datetime.date(2034, 4, 11), 36) == datetime.date(2031, 4, 11)
    assert months_before(datetime.date(2024, 3, 31), 1) == datetime.date(2024, 2, 29)
    assert months_before(datetime.date(2024, 1, 15), 13) == datetime.date(2022, 12, 15)


def test_trainee_is_anonymised_once_their_last_session_is_old_enough(settings):
    settings.RETENTION_MONTHS = 36
    ended = session()
    enrolment = _enrolled(ended, job="autre", job_other="Médiatrice", diploma_level="5")
    with frozen(at(LAST_DAY - days(60))):
        OutboxMailFactory(enrolment=enrolment)

    with frozen(at(EXPIRY, 3, 30)):
        assert trainees_anonymise() == 0
    with frozen(at(EXPIRY + days(1), 3, 30)):
        assert trainees_anonymise() == 1
        assert trainees_anonymise() == 0

    trainee = Trainee.objects.get()
    assert (trainee.first_name, trainee.last_name, trainee.phone, trainee.civility) == (
        "Anonyme",
        "Anonyme",
        "",
        "",
    )
    assert trainee.email == f"anonyme-{trainee.pk}@anonymise.invalid"
    assert trainee.anonymised_at is not None
    # The statistics stay.
    assert (trainee.job, trainee.job_other, trainee.diploma_level) == ("autre", "Médiatrice", "5")
    assert trainee.employer is not None
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.session == ended
    assert enrolment.prerequisite_basis == "practice"
    assert enrolment.employer_contact_name == enrolment.employer_contact_email == ""
    assert enrolment.disability_needs == enrolment.prerequisite_practice == ""
    assert not OutboxMail.objects.exists()


def test_a_recent_session_keeps_the_trainee(settings):
    settings.RETENTION_MONTHS = 36
    old = _enrolled(session())
    later = session(registration_deadline=None, days=[EXPIRY - days(10)])
    EnrolmentFactory(session=later, trainee=old.trainee)
    other = _enrolled(session())

    with frozen(at(EXPIRY + days(1), 3, 30)):
        assert trainees_anonymise() == 1

    old.trainee.refresh_from_db()
    other.trainee.refresh_from_db()
    assert old.trainee.anonymised_at is None
    assert other.trainee.anonymised_at is not None


def test_a_trainee_anonymised_can_enrol_again_with_the_same_address(settings):
    settings.RETENTION_MONTHS = 36
    _enrolled(session(), email="lea@ccas.example.org")
    with frozen(at(EXPIRY + days(1), 3, 30)):
        trainees_anonymise()

    TraineeFactory(email="lea@ccas.example.org")

    assert Trainee.objects.count() == 2


def test_outbox_rows_older_than_their_retention_are_deleted(settings):
    settings.OUTBOX_RETENTION_DAYS = 400
    now = timezone.now()
    with frozen(now - datetime.timedelta(days=401)):
        old = OutboxMailFactory()
    with frozen(now - datetime.timedelta(days=399)):
        recent = OutboxMailFactory()

    assert outbox_purge() == 1
    assert list(OutboxMail.objects.all()) == [recent]
    assert not OutboxMail.objects.filter(pk=old.pk).exists()


def test_reminder_requests_of_past_or_cancelled_sessions_and_stale_unconfirmed_go():
    today = timezone.localdate()
    past = session(registration_deadline=None, days=[today - days(2)])
    cancelled = session(registration_deadline=None, status=Session.Status.CANCELLED)
    upcoming = session(registration_deadline=None, days=[today + days(30)])
    subscription(past, "a@ccas.example.org", confirmed_at=timezone.now())
    subscription(cancelled, "b@ccas.example.org", confirmed_at=timezone.now())
    kept = subscription(upcoming, "c@ccas.example.org", confirmed_at=timezone.now())
    fresh = subscription(upcoming, "d@ccas.example.org")
    with frozen(timezone.now() - datetime.timedelta(days=8)):
        subscription(upcoming, "e@ccas.example.org")

    assert reminder_subscriptions_purge() == 3
    assert set(ReminderSubscription.objects.all()) == {kept, fresh}


def test_the_retention_task_runs_every_part(settings, run):
    settings.RETENTION_MONTHS = 36
    _enrolled(session())
    with frozen(at(EXPIRY + days(1), 3, 30)):
        assert run(apply_retention) == 1
        assert run(apply_retention) == 0

"""Retention: trainees anonymised RETENTION_MONTHS after their last session, statistics kept;
old outbox rows and past sessions' reminder requests deleted; every run idempotent."""

import datetime

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from catalogue.models import Session
from enrolment.models import (
    Attendance,
    Employer,
    Enrolment,
    ReminderSubscription,
    SatisfactionResponse,
    SessionChangeRequest,
    StaffMessage,
    Trainee,
    Transition,
)
from enrolment.retention import (
    months_before,
    reminder_subscriptions_purge,
    retention_apply,
    trainees_anonymise,
)
from enrolment.tasks import apply_retention
from enrolment.transitions import Actor, transition_record
from outbox.models import OutboxMail
from outbox.services import outbox_purge
from tests.factories import EnrolmentFactory, OutboxMailFactory, TraineeFactory, UserFactory

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
    assert (trainee.job, trainee.diploma_level) == ("autre", "5")
    # Free text that may name the person.
    assert trainee.job_other == ""
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


SCANNED_MODELS = (
    Trainee,
    Enrolment,
    Employer,
    Attendance,
    SatisfactionResponse,
    ReminderSubscription,
    Transition,
    SessionChangeRequest,
    # What staff wrote to a session's trainees: their text, no trainee's data.
    StaffMessage,
    OutboxMail,
    LogEntry,
)


def test_the_scan_covers_every_model_of_the_enrolment_app():
    assert set(apps.get_app_config("enrolment").get_models()) <= set(SCANNED_MODELS)


def _stored_text():
    """Every text value of the tables that may hold a trainee's personal data, lower-cased."""
    values = []
    for model in SCANNED_MODELS:
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
        ]
        for row in model.objects.values_list(*fields):
            values.extend(str(value).lower() for value in row if value)
    return "\n".join(values)


def _log(user, obj, *, action_flag=CHANGE, object_id=None):
    return LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(object_id or obj.pk),
        object_repr=str(obj)[:200],
        action_flag=action_flag,
        change_message="[]",
    )


def test_after_retention_no_table_holds_the_trainees_name_address_or_phone(settings):
    settings.RETENTION_MONTHS = 36
    staff = UserFactory()
    ended = session()
    with frozen(at(LAST_DAY - days(60))):
        trainee = TraineeFactory(
            first_name="Ophélie",
            last_name="Vandercruyssen",
            email="Ophelie.Vdc@ccas.example.org",
            phone="06 98 76 54 32",
            job="autre",
            job_other="Médiatrice, cabinet Ophélie Vandercruyssen",
        )
        enrolment = EnrolmentFactory(
            session=ended,
            trainee=trainee,
            employer_contact_name="Ophélie Vandercruyssen (elle-même)",
            employer_contact_email="ophelie.vdc@ccas.example.org",
            disability_needs="Appeler Ophélie au 06 98 76 54 32.",
            prerequisite_basis="module",
            prerequisite_module_when="2029, avec Ophélie Vandercruyssen",
            prerequisite_module_provider="Formation Vandercruyssen",
            refusal_reason="Vu avec Mme Vandercruyssen.",
        )
        mail = OutboxMailFactory(
            enrolment=enrolment,
            last_error="SMTPRecipientsRefused: <ophelie.vdc@ccas.example.org> unknown",
        )
        request = subscription(ended, "ophelie.vdc@ccas.example.org", confirmed_at=timezone.now())
    with frozen(at(LAST_DAY, 18)):
        attendance = Attendance.objects.create(
            enrolment=enrolment, day=ended.days.order_by("date").first(), half_day="am"
        )
    with frozen(at(LAST_DAY + days(1))):
        answer = SatisfactionResponse.objects.create(
            enrolment=enrolment,
            objectives=5,
            content=5,
            facilitation=4,
            organisation=4,
            usefulness=5,
            would_recommend=True,
            comment="Très bien. Ophélie Vandercruyssen, 06 98 76 54 32",
        )
    # A refusal's reason, as staff typed it, kept in the status log.
    with frozen(at(LAST_DAY - days(50))):
        refusal = transition_record(
            session=ended,
            enrolment=enrolment,
            from_status=Enrolment.Status.PENDING,
            to_status=Enrolment.Status.REFUSED,
            by=Actor.staff(staff),
            reason="Vu avec Ophélie Vandercruyssen (06 98 76 54 32) : module 1 non suivi.",
        )
    for obj in (trainee, enrolment, attendance, answer, request):
        _log(staff, obj)
    # A mail the admin deleted long ago: only its history line is left.
    _log(staff, mail, action_flag=DELETION, object_id=mail.pk + 1000)
    # A trainee of a recent session, who keeps everything.
    witness = EnrolmentFactory(
        session=session(registration_deadline=None, days=[EXPIRY - days(10)]),
        trainee=TraineeFactory(first_name="Gaspard", last_name="Témoin"),
    )
    witness_log = _log(staff, witness.trainee)
    witness_refusal = transition_record(
        session=witness.session,
        enrolment=witness,
        from_status=Enrolment.Status.PENDING,
        to_status=Enrolment.Status.REFUSED,
        by=Actor.staff(staff),
        reason="Refus : Gaspard Témoin n'a pas suivi le module 1.",
    )

    with frozen(at(EXPIRY + days(1), 3, 30)):
        retention_apply()

    stored = _stored_text()
    for needle in ("Ophélie", "Vandercruyssen", "ophelie.vdc@ccas.example.org", "06 98 76 54 32"):
        assert needle.lower() not in stored, needle
    # The scan sees what stays, and the statistics stay.
    assert "témoin" in stored
    assert LogEntry.objects.filter(pk=witness_log.pk).exists()
    # The status log keeps who changed what and when, without the reason.
    refusal.refresh_from_db()
    assert (refusal.from_status, refusal.to_status, refusal.actor, refusal.reason) == (
        "pending",
        "refused",
        staff,
        "",
    )
    witness_refusal.refresh_from_db()
    assert witness_refusal.reason == "Refus : Gaspard Témoin n'a pas suivi le module 1."
    answer.refresh_from_db()
    assert (answer.objectives, answer.would_recommend, answer.comment) == (5, True, "")
    assert Attendance.objects.filter(pk=attendance.pk, status="present").exists()

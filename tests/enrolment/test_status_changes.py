import datetime

import pytest
from django.utils import timezone

from enrolment import services
from enrolment.mails import MailKind
from enrolment.models import Enrolment
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory

TRAINEE = Actor.trainee()
STAFF = Actor.staff(None)

pytestmark = pytest.mark.django_db


def _waitlisted(session, minutes_ago):
    return EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
    )


def _kinds(enrolment):
    return list(enrolment.mails.order_by("pk").values_list("kind", flat=True))


def test_validating_a_pending_enrolment_confirms_it_and_mails_the_trainee():
    enrolment = EnrolmentFactory(status=Enrolment.Status.PENDING)
    staff = UserFactory()

    services.enrolment_validate(enrolment_id=enrolment.pk, by=Actor.staff(staff))

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.decided_by == staff
    assert enrolment.decided_at is not None
    assert _kinds(enrolment) == [MailKind.VALIDATED]


@pytest.mark.parametrize("status", ["confirmed", "waitlisted", "cancelled", "refused"])
def test_only_pending_enrolments_can_be_validated(status):
    enrolment = EnrolmentFactory(status=status)

    with pytest.raises(services.EnrolmentError):
        services.enrolment_validate(enrolment_id=enrolment.pk, by=STAFF)

    enrolment.refresh_from_db()
    assert enrolment.status == status
    assert not OutboxMail.objects.exists()


def test_refusing_a_pending_enrolment_frees_its_seat_for_the_waiting_list():
    session = SessionFactory(capacity=1, min_participants=0)
    pending = EnrolmentFactory(session=session, status=Enrolment.Status.PENDING)
    waiting = _waitlisted(session, minutes_ago=5)

    services.enrolment_refuse(enrolment_id=pending.pk, by=STAFF, reason="Module 1 non suivi.")

    pending.refresh_from_db()
    waiting.refresh_from_db()
    assert pending.status == Enrolment.Status.REFUSED
    assert pending.refusal_reason == "Module 1 non suivi."
    assert _kinds(pending) == [MailKind.REFUSED]
    assert waiting.has_outstanding_offer
    assert _kinds(waiting) == [MailKind.OFFER]


def test_refusing_a_waitlisted_enrolment_offers_nothing():
    session = SessionFactory(capacity=1, min_participants=0)
    EnrolmentFactory(session=session)
    refused = _waitlisted(session, minutes_ago=10)
    other = _waitlisted(session, minutes_ago=5)

    services.enrolment_refuse(enrolment_id=refused.pk, by=STAFF)

    other.refresh_from_db()
    assert not other.has_outstanding_offer
    assert not other.mails.exists()


def test_confirmed_enrolments_cannot_be_refused():
    enrolment = EnrolmentFactory(status=Enrolment.Status.CONFIRMED)

    with pytest.raises(services.EnrolmentError):
        services.enrolment_refuse(enrolment_id=enrolment.pk, by=STAFF)


def test_cancelling_a_confirmed_enrolment_offers_the_seat_to_the_first_waiting():
    session = SessionFactory(capacity=1, min_participants=0)
    confirmed = EnrolmentFactory(session=session)
    second = _waitlisted(session, minutes_ago=5)
    first = _waitlisted(session, minutes_ago=10)

    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    confirmed.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert confirmed.status == Enrolment.Status.CANCELLED
    assert confirmed.cancelled_at is not None
    assert _kinds(confirmed) == [MailKind.CANCELLED]
    assert first.has_outstanding_offer
    assert not second.has_outstanding_offer


def test_cancelling_a_waitlisted_enrolment_offers_nothing():
    session = SessionFactory(capacity=1, min_participants=0)
    EnrolmentFactory(session=session)
    cancelled = _waitlisted(session, minutes_ago=10)
    other = _waitlisted(session, minutes_ago=5)

    services.enrolment_cancel(enrolment_id=cancelled.pk, by=TRAINEE)

    other.refresh_from_db()
    assert not other.has_outstanding_offer


def test_cancelling_twice_is_refused():
    enrolment = EnrolmentFactory(status=Enrolment.Status.CANCELLED)

    with pytest.raises(services.EnrolmentError) as error:
        services.enrolment_cancel(enrolment_id=enrolment.pk, by=TRAINEE)
    assert error.value.code == "not_active"


def test_cancelling_after_the_session_started_is_refused(time_machine):
    enrolment = EnrolmentFactory()
    first_day = enrolment.session.first_day
    time_machine.move_to(
        timezone.make_aware(datetime.datetime.combine(first_day, datetime.time(9, 1)))
    )

    with pytest.raises(services.EnrolmentError) as error:
        services.enrolment_cancel(enrolment_id=enrolment.pk, by=TRAINEE)

    assert error.value.code == "started"
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED


def test_cancelling_on_the_first_morning_before_the_start_is_allowed(time_machine):
    enrolment = EnrolmentFactory()
    first_day = enrolment.session.first_day
    time_machine.move_to(
        timezone.make_aware(datetime.datetime.combine(first_day, datetime.time(8, 30)))
    )

    services.enrolment_cancel(enrolment_id=enrolment.pk, by=TRAINEE)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED


def test_staff_may_cancel_after_the_start(time_machine):
    enrolment = EnrolmentFactory()
    first_day = enrolment.session.first_day
    time_machine.move_to(
        timezone.make_aware(datetime.datetime.combine(first_day, datetime.time(14, 0)))
    )

    services.enrolment_cancel(enrolment_id=enrolment.pk, by=STAFF, allow_after_start=True)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED

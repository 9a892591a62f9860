import datetime

import pytest
from django.utils import timezone

from enrolment import services
from enrolment.mails import MailKind
from enrolment.models import Enrolment
from enrolment.selectors import waitlist_position
from enrolment.transitions import Actor
from tests.factories import EnrolmentFactory, PrerequisiteModuleFactory, SessionFactory

from .helpers import enrol

TRAINEE = Actor.trainee()
STAFF = Actor.staff(None)

pytestmark = pytest.mark.django_db


def _session(**kwargs):
    return SessionFactory(capacity=1, min_participants=0, **kwargs)


def _waitlisted(session, minutes_ago):
    return EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
    )


def _at(date, hour):
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour)))


def test_offer_lasts_the_configured_hours(settings):
    settings.WAITLIST_OFFER_HOURS = 48
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)
    before = timezone.now()

    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    waiting.refresh_from_db()
    assert waiting.offered_at >= before
    assert waiting.offer_expires_at == waiting.offered_at + datetime.timedelta(hours=48)
    assert waiting.status == Enrolment.Status.WAITLISTED


def test_offer_never_outlasts_the_registration_deadline(settings):
    settings.WAITLIST_OFFER_HOURS = 72
    today = timezone.localdate()
    session = _session(registration_deadline=today, days=[today + datetime.timedelta(days=10)])
    confirmed = EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)

    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    waiting.refresh_from_db()
    assert waiting.offer_expires_at == _at(today + datetime.timedelta(days=1), 0)


def test_outstanding_offer_keeps_the_seat_from_newcomers():
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    newcomer = enrol(session).enrolment

    assert newcomer.status == Enrolment.Status.WAITLISTED
    assert waitlist_position(newcomer) == 2
    waiting.refresh_from_db()
    assert waiting.has_outstanding_offer


def test_accepting_an_offer_confirms_the_enrolment():
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    services.offer_accept(enrolment_id=waiting.pk)

    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.CONFIRMED
    assert waiting.offer_expires_at is None
    assert list(waiting.mails.order_by("pk").values_list("kind", flat=True)) == [
        MailKind.OFFER,
        MailKind.CONFIRMATION,
    ]
    assert session.enrolments.holding_seat().count() == 1


def test_accepting_an_offer_for_a_module_with_prerequisite_leaves_it_to_validate():
    session = _session(module=PrerequisiteModuleFactory())
    confirmed = EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    services.offer_accept(enrolment_id=waiting.pk)

    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.PENDING


def test_waitlisted_person_without_offer_cannot_accept():
    session = _session()
    EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)

    with pytest.raises(services.EnrolmentError) as error:
        services.offer_accept(enrolment_id=waiting.pk)

    assert error.value.code == "no_offer"


def test_expired_offer_cannot_be_accepted(time_machine):
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)
    waiting.refresh_from_db()

    time_machine.move_to(waiting.offer_expires_at + datetime.timedelta(seconds=1))
    with pytest.raises(services.EnrolmentError):
        services.offer_accept(enrolment_id=waiting.pk)

    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.WAITLISTED


def test_expired_offer_passes_to_the_next_and_sends_the_first_to_the_back(time_machine):
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    first = _waitlisted(session, minutes_ago=10)
    second = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)
    first.refresh_from_db()

    time_machine.move_to(first.offer_expires_at + datetime.timedelta(minutes=1))
    assert services.offers_expire() == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Enrolment.Status.WAITLISTED
    assert not first.has_outstanding_offer
    assert waitlist_position(first) == 2
    assert second.has_outstanding_offer
    assert waitlist_position(second) == 1
    assert list(first.mails.order_by("pk").values_list("kind", flat=True)) == [
        MailKind.OFFER,
        MailKind.OFFER_EXPIRED,
    ]
    assert list(second.mails.values_list("kind", flat=True)) == [MailKind.OFFER]


def test_lapsed_offer_is_made_again_when_no_one_else_waits(time_machine):
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    only = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)
    only.refresh_from_db()

    time_machine.move_to(only.offer_expires_at + datetime.timedelta(minutes=1))
    assert services.offers_expire() == 1

    only.refresh_from_db()
    assert only.has_outstanding_offer
    # A new offer, not "expired" then "offered" in the same minute.
    assert list(only.mails.order_by("pk").values_list("kind", flat=True)) == [
        MailKind.OFFER,
        MailKind.OFFER,
    ]
    assert enrol(session).enrolment.status == Enrolment.Status.WAITLISTED


def test_lapsed_offers_made_again_follow_the_queue_order_not_the_ids():
    session = _session()
    lapsed = timezone.now() - datetime.timedelta(minutes=1)
    second = _waitlisted(session, minutes_ago=5)
    first = _waitlisted(session, minutes_ago=10)
    Enrolment.objects.filter(pk__in=[first.pk, second.pk]).update(
        offered_at=lapsed - datetime.timedelta(hours=1), offer_expires_at=lapsed
    )

    assert services.offers_expire() == 2

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.has_outstanding_offer
    assert not second.has_outstanding_offer
    assert waitlist_position(second) == 2
    assert list(second.mails.values_list("kind", flat=True)) == [MailKind.OFFER_EXPIRED]


def test_lapsed_offer_is_not_made_again_after_the_registration_deadline(time_machine):
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    only = _waitlisted(session, minutes_ago=5)
    time_machine.move_to(_at(session.registration_deadline, 22))
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)
    only.refresh_from_db()

    time_machine.move_to(only.offer_expires_at + datetime.timedelta(minutes=1))
    services.offers_expire()

    only.refresh_from_db()
    assert not only.has_outstanding_offer
    assert list(only.mails.order_by("pk").values_list("kind", flat=True)) == [
        MailKind.OFFER,
        MailKind.OFFER_EXPIRED,
    ]


def test_newcomer_queues_behind_a_lapsed_offer_not_yet_swept(time_machine):
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    first = _waitlisted(session, minutes_ago=10)
    second = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)
    first.refresh_from_db()
    time_machine.move_to(first.offer_expires_at + datetime.timedelta(minutes=1))

    newcomer = enrol(session).enrolment

    first.refresh_from_db()
    second.refresh_from_db()
    assert newcomer.status == Enrolment.Status.WAITLISTED
    assert second.has_outstanding_offer
    assert list(second.mails.values_list("kind", flat=True)) == [MailKind.OFFER]
    assert not first.has_outstanding_offer
    assert [waitlist_position(e) for e in (second, first, newcomer)] == [1, 2, 3]
    assert session.enrolments.holding_seat().count() == 1


def test_newcomer_queues_behind_the_only_lapsed_offer_which_is_made_again(time_machine):
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    only = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)
    only.refresh_from_db()
    time_machine.move_to(only.offer_expires_at + datetime.timedelta(minutes=1))

    newcomer = enrol(session).enrolment

    only.refresh_from_db()
    assert newcomer.status == Enrolment.Status.WAITLISTED
    assert only.has_outstanding_offer
    assert waitlist_position(newcomer) == 2


def test_newcomer_leaves_a_free_seat_to_the_queue_and_it_is_offered():
    # A seat free while someone waits without an offer (a state left by a change made
    # outside the services): the seat goes to the queue, not to the newcomer.
    session = SessionFactory(capacity=2, min_participants=0)
    EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)

    newcomer = enrol(session).enrolment

    waiting.refresh_from_db()
    assert newcomer.status == Enrolment.Status.WAITLISTED
    assert waiting.has_outstanding_offer
    assert waiting.mails.filter(kind=MailKind.OFFER).count() == 1
    assert waitlist_position(newcomer) == 2


def test_newcomer_takes_a_seat_left_free_once_everyone_waiting_has_an_offer():
    session = SessionFactory(capacity=2, min_participants=0)
    confirmed = [EnrolmentFactory(session=session) for _ in range(2)]
    waiting = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed[0].pk, by=TRAINEE)
    services.enrolment_cancel(enrolment_id=confirmed[1].pk, by=TRAINEE)

    newcomer = enrol(session).enrolment

    waiting.refresh_from_db()
    assert waiting.has_outstanding_offer
    assert newcomer.status == Enrolment.Status.CONFIRMED


def test_offers_expire_leaves_running_offers_alone():
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    assert services.offers_expire() == 0

    waiting.refresh_from_db()
    assert waiting.has_outstanding_offer


def test_no_offer_once_the_registration_deadline_has_passed(time_machine):
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)
    time_machine.move_to(_at(session.registration_deadline + datetime.timedelta(days=1), 10))

    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    waiting.refresh_from_db()
    assert not waiting.has_outstanding_offer
    assert not waiting.mails.exists()


def test_expired_offer_after_the_deadline_is_passed_to_nobody(time_machine):
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    first = _waitlisted(session, minutes_ago=10)
    second = _waitlisted(session, minutes_ago=5)
    time_machine.move_to(_at(session.registration_deadline, 22))
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)
    first.refresh_from_db()
    assert first.offer_expires_at == _at(
        session.registration_deadline + datetime.timedelta(days=1), 0
    )

    time_machine.move_to(first.offer_expires_at + datetime.timedelta(minutes=1))
    services.offers_expire()

    second.refresh_from_db()
    assert not second.has_outstanding_offer
    assert not second.mails.exists()


def test_no_offer_once_the_session_has_started(time_machine):
    session = _session(registration_deadline=None)
    confirmed = EnrolmentFactory(session=session)
    waiting = _waitlisted(session, minutes_ago=5)
    time_machine.move_to(_at(session.first_day, 10))

    services.enrolment_cancel(enrolment_id=confirmed.pk, by=STAFF, allow_after_start=True)

    waiting.refresh_from_db()
    assert not waiting.has_outstanding_offer


def test_offer_never_goes_to_someone_who_cancelled():
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    cancelled = _waitlisted(session, minutes_ago=10)
    services.enrolment_cancel(enrolment_id=cancelled.pk, by=TRAINEE)
    next_in_line = _waitlisted(session, minutes_ago=5)

    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    cancelled.refresh_from_db()
    next_in_line.refresh_from_db()
    assert cancelled.offer_expires_at is None
    assert not cancelled.mails.filter(kind=MailKind.OFFER).exists()
    assert next_in_line.has_outstanding_offer


def test_cancelling_an_offered_enrolment_passes_the_offer_on():
    session = _session()
    confirmed = EnrolmentFactory(session=session)
    first = _waitlisted(session, minutes_ago=10)
    second = _waitlisted(session, minutes_ago=5)
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    services.enrolment_cancel(enrolment_id=first.pk, by=TRAINEE)

    second.refresh_from_db()
    assert second.has_outstanding_offer


def test_each_freed_seat_gets_its_own_offer():
    session = SessionFactory(capacity=2, min_participants=0)
    confirmed = [EnrolmentFactory(session=session) for _ in range(2)]
    waiting = [_waitlisted(session, minutes_ago=10 - n) for n in range(3)]

    services.enrolment_cancel(enrolment_id=confirmed[0].pk, by=TRAINEE)
    services.enrolment_cancel(enrolment_id=confirmed[1].pk, by=TRAINEE)

    offered = [e.pk for e in Enrolment.objects.filter(offer_expires_at__isnull=False)]
    assert offered == [waiting[0].pk, waiting[1].pk]

import datetime

import pytest
from django.utils import timezone

from enrolment import services, session_services
from enrolment.mails import MailKind
from enrolment.models import Enrolment
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory, SessionFactory

STAFF = Actor.staff(None)

pytestmark = pytest.mark.django_db


def _full_session_with_queue():
    session = SessionFactory(capacity=1, min_participants=0)
    EnrolmentFactory(session=session)
    first = EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    second = EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    return session, first, second


def test_raising_capacity_offers_the_seat_to_the_first_waitlisted():
    session, first, second = _full_session_with_queue()

    session_services.session_capacity_change(session_id=session.pk, capacity=2, by=STAFF)

    session.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert session.capacity == 2
    assert first.has_outstanding_offer
    assert first.offered_at is not None
    assert second.offer_expires_at is None
    assert list(
        OutboxMail.objects.filter(kind=MailKind.OFFER).values_list("enrolment", flat=True)
    ) == [first.pk]


def test_lowering_capacity_below_the_seats_held_is_refused_and_changes_nothing():
    session = SessionFactory(capacity=3, min_participants=0)
    EnrolmentFactory.create_batch(2, session=session)

    with pytest.raises(services.EnrolmentError) as error:
        session_services.session_capacity_change(session_id=session.pk, capacity=1, by=STAFF)

    assert error.value.code == "capacity_below_seats"
    session.refresh_from_db()
    assert session.capacity == 3


def test_lowering_capacity_below_the_minimum_is_refused():
    session = SessionFactory(capacity=10, min_participants=6)

    with pytest.raises(services.EnrolmentError) as error:
        session_services.session_capacity_change(session_id=session.pk, capacity=5, by=STAFF)

    assert error.value.code == "capacity_below_minimum"
    session.refresh_from_db()
    assert session.capacity == 10


def test_lowering_capacity_to_the_seats_held_is_accepted():
    session = SessionFactory(capacity=3, min_participants=0)
    EnrolmentFactory.create_batch(2, session=session)

    session_services.session_capacity_change(session_id=session.pk, capacity=2, by=STAFF)

    session.refresh_from_db()
    assert session.capacity == 2
    assert not OutboxMail.objects.filter(kind=MailKind.OFFER).exists()

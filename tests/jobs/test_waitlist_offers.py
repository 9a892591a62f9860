"""Waiting-list offers: the periodic task expires unanswered offers and passes the seat on,
and running it twice changes and sends nothing more."""

import datetime

import pytest
from django.utils import timezone

from enrolment.models import Enrolment
from enrolment.tasks import expire_waitlist_offers
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory

from .helpers import recipients, session

pytestmark = pytest.mark.django_db


def test_lapsed_offer_goes_to_the_next_person_once_however_often_the_task_runs(run, mailoutbox):
    full = session(capacity=1, min_participants=0)
    now = timezone.now()
    lapsed = EnrolmentFactory(
        session=full,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=now - datetime.timedelta(days=5),
        offered_at=now - datetime.timedelta(hours=73),
        offer_expires_at=now - datetime.timedelta(hours=1),
    )
    nxt = EnrolmentFactory(
        session=full,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=now - datetime.timedelta(days=4),
    )

    assert run(expire_waitlist_offers) == 1
    assert run(expire_waitlist_offers) == 0

    lapsed.refresh_from_db()
    nxt.refresh_from_db()
    assert lapsed.offer_expires_at is None and lapsed.waitlisted_at > nxt.waitlisted_at
    assert nxt.has_outstanding_offer
    kinds = sorted(OutboxMail.objects.values_list("kind", flat=True))
    assert kinds == ["offer", "offer_expired"]
    assert recipients(mailoutbox) == sorted([lapsed.trainee.email, nxt.trainee.email])

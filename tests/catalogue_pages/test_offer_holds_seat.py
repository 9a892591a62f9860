"""A seat kept for an outstanding waiting-list offer is taken on the public pages too, as it is
for the seat rule (seat_holding_q) and the enrolment services."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from enrolment.models import Enrolment
from tests.factories import EnrolmentFactory, SessionFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("catalogue:session_list")
FULL = "Complet : inscription sur liste d'attente"


def text_of(response):
    assert response.status_code == 200
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def available(client):
    response = client.get(LIST_URL, {"available": "on"})
    assert response.status_code == 200
    return [session.pk for session in response.context["page"].object_list]


def session_with_last_seat_offered(*, offer_expires_in):
    """Two seats: one confirmed, the other offered to the first on the waiting list."""
    session = SessionFactory(capacity=2, min_participants=1)
    EnrolmentFactory(session=session)
    now = timezone.now()
    EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=now - datetime.timedelta(days=1),
        offered_at=now - datetime.timedelta(hours=1),
        offer_expires_at=now + offer_expires_in,
    )
    return session


def test_session_whose_last_seat_is_offered_shows_as_full(client):
    session = session_with_last_seat_offered(offer_expires_in=datetime.timedelta(hours=12))

    html = text_of(client.get(reverse("catalogue:session_detail", args=[session.pk])))

    assert FULL in html
    assert "S'inscrire sur la liste d'attente" in html
    assert "Inscriptions ouvertes" not in html


def test_available_filter_leaves_out_a_session_whose_last_seat_is_offered(client):
    session = session_with_last_seat_offered(offer_expires_in=datetime.timedelta(hours=12))
    with_free_seat = SessionFactory(capacity=2, min_participants=1)
    EnrolmentFactory(session=with_free_seat)

    assert available(client) == [with_free_seat.pk]
    assert session.pk in [s.pk for s in client.get(LIST_URL).context["page"].object_list]


def test_lapsed_offer_no_longer_holds_the_seat(client):
    # The expiry job has not run yet: the seat is free again all the same.
    session = session_with_last_seat_offered(offer_expires_in=-datetime.timedelta(minutes=1))

    html = text_of(client.get(reverse("catalogue:session_detail", args=[session.pk])))

    assert FULL not in html
    assert "1 place disponible sur 2" in html
    assert available(client) == [session.pk]

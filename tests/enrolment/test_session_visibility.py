"""The enrolment and reminder pages of a session follow the public catalogue's rule: a session
cancelled before it was ever published stays hidden, like a draft."""

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

SESSION_PAGES = ("enrol", "received", "reminder_subscribe", "reminder_requested")


@pytest.mark.parametrize("name", SESSION_PAGES)
def test_session_cancelled_before_publication_is_not_found(client, name):
    never_published = SessionFactory(status=Session.Status.CANCELLED, published_at=None)

    response = client.get(reverse(f"enrolment:{name}", args=[never_published.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("name", SESSION_PAGES)
def test_session_cancelled_after_publication_still_has_its_pages(client, name):
    cancelled = SessionFactory(status=Session.Status.CANCELLED, published_at=timezone.now())

    response = client.get(reverse(f"enrolment:{name}", args=[cancelled.pk]))

    assert response.status_code == 200


def test_cancelled_session_enrolment_page_says_it_is_cancelled(client):
    cancelled = SessionFactory(status=Session.Status.CANCELLED, published_at=timezone.now())

    html = client.get(reverse("enrolment:enrol", args=[cancelled.pk])).content.decode()

    assert "La session a été annulée." in html


@pytest.mark.parametrize("name", SESSION_PAGES)
def test_published_session_has_its_pages(client, name):
    # The factory's published sessions have no publication date: status alone makes them public.
    published = SessionFactory(status=Session.Status.PUBLISHED, published_at=None)

    response = client.get(reverse(f"enrolment:{name}", args=[published.pk]))

    assert response.status_code == 200

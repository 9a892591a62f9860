import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogue.models import Session
from enrolment.session_services import session_publish
from enrolment.transitions import Actor
from tests.factories import SessionFactory

STAFF = Actor.staff(None)


@pytest.mark.django_db
def test_publishing_a_submitted_session_sets_published_at():
    session = SessionFactory(status=Session.Status.SUBMITTED, trainers=True)
    session_publish(session_id=session.pk, by=STAFF)
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED
    assert session.published_at is not None


@pytest.mark.django_db
def test_republishing_keeps_the_first_publication_date():
    first = timezone.now() - datetime.timedelta(days=10)
    session = SessionFactory(status=Session.Status.SUBMITTED, published_at=first, trainers=True)
    session_publish(session_id=session.pk, by=STAFF)
    session.refresh_from_db()
    assert session.published_at == first


@pytest.mark.django_db
def test_a_session_without_days_cannot_be_published():
    session = SessionFactory(status=Session.Status.DRAFT, registration_deadline=None, days=[])
    with pytest.raises(ValidationError):
        session_publish(session_id=session.pk, by=STAFF)
    session.refresh_from_db()
    assert session.status == Session.Status.DRAFT
    assert session.published_at is None


@pytest.mark.django_db
def test_a_cancelled_session_cannot_be_published_again():
    session = SessionFactory(status=Session.Status.CANCELLED)
    with pytest.raises(ValidationError):
        session_publish(session_id=session.pk, by=STAFF)
    assert Session.objects.get(pk=session.pk).status == Session.Status.CANCELLED


@pytest.mark.django_db
def test_published_then_cancelled_session_stays_public_as_cancelled(client):
    session = SessionFactory(status=Session.Status.SUBMITTED, trainers=True)
    session, _published = session_publish(session_id=session.pk, by=STAFF)
    session.status = Session.Status.CANCELLED
    session.save()
    response = client.get(session.get_absolute_url())
    assert response.status_code == 200
    assert "Session annulée" in response.content.decode()

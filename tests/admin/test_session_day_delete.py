"""Deleting a day goes through the lifecycle service, whose refusals the page tells."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Session, SessionDay
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_the_last_day_of_a_published_session_is_not_deleted_and_the_page_says_why(staff_client):
    session = SessionFactory(
        status=Session.Status.PUBLISHED,
        published_at=timezone.now(),
        days=[timezone.localdate() + datetime.timedelta(days=60)],
    )
    day = session.days.get()

    response = staff_client.post(
        reverse("admin:catalogue_sessionday_delete", args=[day.pk]), {"post": "yes"}, follow=True
    )

    assert response.status_code == 200
    assert "Une session publiée doit avoir au moins une journée." in response.content.decode()
    assert SessionDay.objects.filter(pk=day.pk).exists()


def test_deleting_the_last_day_from_the_list_is_refused_the_same_way(staff_client):
    session = SessionFactory(
        status=Session.Status.PUBLISHED,
        published_at=timezone.now(),
        days=[timezone.localdate() + datetime.timedelta(days=60)],
    )
    day = session.days.get()

    response = staff_client.post(
        reverse("admin:catalogue_sessionday_changelist"),
        {"action": "delete_selected", "_selected_action": [day.pk], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Une session publiée doit avoir au moins une journée." in response.content.decode()
    assert SessionDay.objects.filter(pk=day.pk).exists()

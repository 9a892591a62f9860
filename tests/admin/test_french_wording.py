"""The admin in French without Django's clumsy bits: no "objet session", no agreement that
guesses a model's gender ("sessions sélectionnés"); the project's locale/fr overrides them."""

import datetime

import pytest
from django.urls import reverse

from catalogue.models import Session
from tests.admin.formdata import admin_form_data
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalogue_session_changelist")


def test_session_list_speaks_plain_french(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    SessionFactory()

    page = client.get(CHANGELIST).content.decode()

    assert "objet" not in page
    assert "sélectionnés" not in page
    assert "Choisissez un élément à modifier\u00a0: session" in page
    assert "Supprimer la sélection (sessions)" in page
    assert "Publier les sessions sélectionnées" in page
    assert "Annuler les sessions sélectionnées (prévenir les stagiaires)" in page


def test_saving_a_session_says_so_without_objet(staff_client):
    session = SessionFactory(status=Session.Status.DRAFT)
    url = reverse("admin:catalogue_session_change", args=[session.pk])
    data = admin_form_data(staff_client.get(url))

    response = staff_client.post(url, data, follow=True)

    page = response.content.decode()
    assert "Modifications enregistrées\u00a0: «\u00a0" in page
    assert "objet" not in page


def test_action_without_selection_is_told_in_french(staff_client):
    SessionFactory()

    response = staff_client.post(
        CHANGELIST, {"action": "publish_sessions", "index": 0}, follow=True
    )

    assert "Des éléments doivent être sélectionnés" in response.content.decode()


def test_session_list_writes_the_first_of_the_month_1er(staff_client):
    today = datetime.date.today()
    first_day = datetime.date(today.year + 1, 5, 1)
    SessionFactory(registration_deadline=datetime.date(today.year + 1, 4, 1), days=[first_day])

    page = staff_client.get(CHANGELIST).content.decode()

    assert f"1er mai {first_day.year}" in page
    assert "ouvertes jusqu'au 1er avril" in page.replace("&#x27;", "'")
    assert f">1 mai {first_day.year}<" not in page

"""The admin in French without Django's clumsy bits: no "objet session", no agreement that
guesses a model's gender ("sessions sélectionnés"); the project's locale/fr overrides them."""

import datetime
import html
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from accounts.models import User
from catalogue.models import Session
from tests.admin.formdata import admin_form_data
from tests.admin.test_pages import MANAGED_ADMINS, admin_url, one_of_each
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


# Every page of every model admin, as a superuser sees it: no English left by Django, no
# "de" before a vowel, no "objet" for a row, no "None" for an empty value. The project's
# locale/fr/LC_MESSAGES/django.po overrides Django's wordings (compiled, and committed, with
# `msgfmt -o django.mo django.po`).

ENGLISH_OR_CLUMSY = re.compile(
    r"\bNone\b"
    r"|\b[Dd]e [aeiouyàâéèêëîïôûAEIOUYÉ]\w*"
    r"|[Ll][’']objet\b|\b[Cc]et objet\b|\bobjets\b"
    r"|\b(?:Search|Change|Add|Delete|History|View|Save)\b"
    # A status's code rather than its label ("∅ → draft").
    r"|∅|→ (?:draft|submitted|published|cancelled|confirmed|pending|waitlisted)\b"
)
PAGES = ("changelist", "add", "change", "history", "delete")


def _visible_text(page: str) -> str:
    """The page's text and the texts read aloud (alt, title, aria-label, button values)."""
    page = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", page)
    spoken = re.findall(r'(?:alt|title|aria-label|placeholder|value)="([^"]*)"', page)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page) + " " + " ".join(spoken))


@pytest.mark.parametrize("model", [*MANAGED_ADMINS, User], ids=lambda model: model._meta.label)
def test_every_admin_page_speaks_plain_french(client, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    obj = one_of_each()[model] if model is not User else UserFactory()
    # A line of history, as a change leaves.
    LogEntry.objects.log_actions(
        user_id=obj.pk if model is User else User.objects.first().pk,
        queryset=[obj],
        action_flag=CHANGE,
        change_message=[{"changed": {"fields": ["Adresse du lieu"]}}],
    )
    found = {}
    for view in PAGES:
        args = () if view in ("changelist", "add") else (obj.pk,)
        response = client.get(admin_url(model, view, *args))
        if response.status_code == 403:
            continue  # no add or delete page for that model
        assert response.status_code == 200, view
        hits = ENGLISH_OR_CLUMSY.findall(_visible_text(response.content.decode()))
        if hits:
            found[view] = sorted(set(hits))
    assert found == {}

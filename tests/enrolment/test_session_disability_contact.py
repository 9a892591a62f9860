"""A session's own disability contact, where it has one, replaces its provider's référent
handicap: on the public session page, in the mails' summary and as the recipient of the needs
a trainee writes on the form."""

import pytest

from enrolment.mails import MailKind
from outbox.models import OutboxMail
from tests.factories import ProviderFactory, SessionFactory

from .helpers import enrol, enrolment_data

pytestmark = pytest.mark.django_db


def _session(**session_fields):
    provider = ProviderFactory(
        disability_contact_name="Sam Leroy",
        disability_contact_email="referent@organisme.example.org",
    )
    return SessionFactory(provider=provider, min_participants=0, **session_fields)


def test_public_page_shows_the_sessions_own_contact(client):
    session = _session(
        disability_contact_name="Inès Moreau",
        disability_contact_email="ines@lieu.example.org",
        disability_contact_phone="02 47 00 00 00",
    )

    html = client.get(session.get_absolute_url()).content.decode()

    assert "Inès Moreau" in html
    assert "mailto:ines@lieu.example.org" in html
    assert "Sam Leroy" not in html


def test_public_page_falls_back_on_the_providers_referent(client):
    session = _session()

    html = client.get(session.get_absolute_url()).content.decode()

    assert "Sam Leroy" in html
    assert "referent@organisme.example.org" in html


def test_needs_go_to_the_sessions_own_contact(django_capture_on_commit_callbacks, mailoutbox):
    session = _session(
        disability_contact_name="Inès Moreau", disability_contact_email="ines@lieu.example.org"
    )

    with django_capture_on_commit_callbacks(execute=True):
        enrol(session, declaration=enrolment_data(disability_needs="Salle de plain-pied."))

    row = OutboxMail.objects.get(kind=MailKind.DISABILITY_NEEDS)
    assert row.recipient == "ines@lieu.example.org"
    # The trainee's own mail names the session's contact too.
    confirmation = next(m for m in mailoutbox if m.to != ["ines@lieu.example.org"])
    assert "Contact handicap de la session\u00a0: Inès Moreau" in confirmation.body
    assert "Sam Leroy" not in confirmation.body


def test_needs_go_to_the_providers_referent_without_a_session_contact(
    django_capture_on_commit_callbacks,
):
    session = _session()

    with django_capture_on_commit_callbacks(execute=True):
        enrol(session, declaration=enrolment_data(disability_needs="Salle de plain-pied."))

    assert (
        OutboxMail.objects.get(kind=MailKind.DISABILITY_NEEDS).recipient
        == "referent@organisme.example.org"
    )

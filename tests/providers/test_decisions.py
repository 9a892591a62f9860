"""Validating and refusing pending enrolments from the provider space."""

import re

import pytest
from django.core import mail
from django.test import Client

from enrolment.mails import MailKind
from enrolment.models import Enrolment
from outbox.models import OutboxMail
from tests.catalogue_pages.html import structure
from tests.factories import EnrolmentFactory, SessionFactory

from .conftest import pending_enrolment

pytestmark = pytest.mark.django_db

HOME = "/espace-organisme/"


def validate_url(enrolment):
    return f"/espace-organisme/inscriptions/{enrolment.pk}/valider/"


def refuse_url(enrolment):
    return f"/espace-organisme/inscriptions/{enrolment.pk}/refuser/"


def messages_of(response):
    return [(m.level_tag, m.message) for m in response.context["messages"]]


def test_member_validates_a_pending_enrolment_and_the_trainee_is_mailed(
    alice_client, alice, session, django_capture_on_commit_callbacks
):
    enrolment = pending_enrolment(session)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(validate_url(enrolment), {"next": HOME}, follow=True)

    assert response.redirect_chain == [(HOME, 302)]
    assert messages_of(response) == [
        (
            "success",
            f"L'inscription de {enrolment.trainee} est validée\u00a0; un e-mail l'en informe.",
        )
    ]
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.decided_by == alice
    sent = OutboxMail.objects.get(enrolment=enrolment)
    assert (sent.kind, sent.status) == (MailKind.VALIDATED, OutboxMail.Status.SENT)
    assert [message.to for message in mail.outbox] == [[enrolment.trainee.email]]
    assert response.context["pending"] == []


def test_validation_without_next_goes_back_to_the_session_page(alice_client, session):
    enrolment = pending_enrolment(session)

    response = alice_client.post(validate_url(enrolment))

    assert response["Location"] == f"/espace-organisme/sessions/{session.pk}/"


def test_validation_ignores_a_next_page_on_another_site(alice_client, session):
    enrolment = pending_enrolment(session)

    response = alice_client.post(validate_url(enrolment), {"next": "https://evil.example/"})

    assert response["Location"] == f"/espace-organisme/sessions/{session.pk}/"


def test_validating_an_enrolment_no_longer_pending_says_why_and_changes_nothing(
    alice_client, session
):
    enrolment = EnrolmentFactory(session=session, status=Enrolment.Status.CONFIRMED)

    response = alice_client.post(validate_url(enrolment), {"next": HOME}, follow=True)

    assert messages_of(response) == [
        ("error", f"{enrolment.trainee} : Seule une inscription à valider peut être validée.")
    ]
    enrolment.refresh_from_db()
    assert enrolment.decided_by is None
    assert not OutboxMail.objects.exists()


def test_validation_is_a_post(alice_client, session):
    enrolment = pending_enrolment(session)

    assert alice_client.get(validate_url(enrolment)).status_code == 405
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING


def test_refusal_page_asks_for_a_reason_with_a_label(alice_client, session):
    enrolment = pending_enrolment(session, disability_needs="Boucle magnétique.")

    response = alice_client.get(refuse_url(enrolment), {"next": HOME})

    assert response.status_code == 200
    page = structure(response)
    assert page.headings["h1"] == [f"Refuser l'inscription de {enrolment.trainee}"]
    assert page.unlabelled_controls() == []
    [reason] = page.find_all("textarea", name="reason")
    assert reason["id"] in page.label_targets
    html = response.content.decode()
    assert f'<input type="hidden" name="next" value="{HOME}">' in html
    assert "Boucle magnétique." in html
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING


def test_refusal_without_a_reason_is_asked_again(alice_client, session):
    enrolment = pending_enrolment(session)

    response = alice_client.post(refuse_url(enrolment), {"reason": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Ce champ est obligatoire."]}
    assert 'id="erreurs"' in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING
    assert not OutboxMail.objects.exists()


def test_member_refuses_with_a_reason_and_the_trainee_gets_it_by_mail(
    alice_client, alice, session, django_capture_on_commit_callbacks
):
    enrolment = pending_enrolment(session)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            refuse_url(enrolment),
            {"reason": "Le module 1 n'a pas été suivi.", "next": HOME},
            follow=True,
        )

    assert response.redirect_chain == [(HOME, 302)]
    assert messages_of(response) == [
        (
            "success",
            f"L'inscription de {enrolment.trainee} est refusée\u00a0; "
            "un e-mail lui donne le motif.",
        )
    ]
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.REFUSED
    assert enrolment.decided_by == alice
    assert enrolment.refusal_reason == "Le module 1 n'a pas été suivi."
    sent = OutboxMail.objects.get(enrolment=enrolment)
    assert (sent.kind, sent.status) == (MailKind.REFUSED, OutboxMail.Status.SENT)
    assert [message.to for message in mail.outbox] == [[enrolment.trainee.email]]


def test_refusing_frees_the_seat_for_the_first_on_the_waiting_list(
    alice_client, provider, module_2, django_capture_on_commit_callbacks
):
    full = SessionFactory(provider=provider, module=module_2, capacity=1, min_participants=0)
    enrolment = pending_enrolment(full)
    waiting = EnrolmentFactory(session=full, status=Enrolment.Status.WAITLISTED)

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(refuse_url(enrolment), {"reason": "Prérequis absent."})

    waiting.refresh_from_db()
    assert waiting.has_outstanding_offer
    assert OutboxMail.objects.filter(enrolment=waiting, kind=MailKind.OFFER).exists()


@pytest.mark.parametrize(
    ("method", "make_url", "data"),
    [
        ("post", validate_url, {}),
        ("post", refuse_url, {"reason": "Pas d'accès."}),
        ("get", refuse_url, {}),
    ],
)
def test_another_providers_enrolment_is_a_404_and_nothing_changes(
    alice_client, other_session, method, make_url, data
):
    enrolment = pending_enrolment(other_session)

    response = getattr(alice_client, method)(make_url(enrolment), data)

    assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING
    assert enrolment.decided_by is None
    assert not OutboxMail.objects.exists()


def test_account_of_no_provider_gets_a_404_and_nothing_changes(client, charlie, session):
    client.force_login(charlie)
    enrolment = pending_enrolment(session)

    assert client.post(validate_url(enrolment)).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING


def test_anonymous_post_is_sent_to_login_and_changes_nothing(client, session):
    enrolment = pending_enrolment(session)

    response = client.post(validate_url(enrolment))

    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING


def test_decision_forms_carry_a_csrf_token(alice, session):
    enrolment = pending_enrolment(session)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)

    assert strict.post(validate_url(enrolment)).status_code == 403
    html = strict.get(HOME).content.decode()
    form = rf'action="{validate_url(enrolment)}">\s*<input type="hidden" name="csrfmiddlewaretoken"'
    assert re.search(form, html)

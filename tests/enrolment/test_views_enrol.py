import datetime
import html as html_lib
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from enrolment.links import enrolment_id_from_token
from enrolment.models import Enrolment, Trainee
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory, PrerequisiteModuleFactory, SessionFactory

from .helpers import form_data

pytestmark = pytest.mark.django_db


def _url(session):
    return reverse("enrolment:enrol", args=[session.pk])


def _post(client, session, **overrides):
    return client.post(_url(session), form_data(**overrides))


def _text(response):
    return html_lib.unescape(response.content.decode())


def test_form_page_shows_the_session_and_the_fields(client):
    session = SessionFactory()

    response = client.get(_url(session))

    assert response.status_code == 200
    html = _text(response)
    assert str(session.module) in html
    for name in ("first_name", "email", "siret", "employer_contact_email", "consent"):
        assert f'name="{name}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'autocomplete="given-name"' in html
    assert 'inputmode="numeric"' in html
    assert reverse("catalogue:privacy") in html
    assert session.provider.disability_contact_name in html
    assert 'name="prerequisite_basis"' not in html


def test_honeypot_field_is_hidden_from_people_and_assistive_technologies(client):
    html = client.get(_url(SessionFactory())).content.decode()

    container = re.search(r'<div[^>]*aria-hidden="true"[^>]*>.*?name="site_internet"', html, re.S)
    assert container is not None
    assert "visually-hidden" in container.group(0)
    assert re.search(r'<input[^>]*name="site_internet"[^>]*tabindex="-1"', html)


def test_module_with_prerequisite_shows_the_declaration(client):
    session = SessionFactory(module=PrerequisiteModuleFactory())

    html = client.get(_url(session)).content.decode()

    assert 'name="prerequisite_basis"' in html
    assert 'name="prerequisite_practice"' in html
    assert "vérifiée par l&#x27;OPCO" in html or "vérifiée par l'OPCO" in html


def _confirm(client, mailoutbox):
    """Open the link of the last address confirmation mail and press its button."""
    [link] = re.findall(r"http\S*/inscription/confirmer/[^/\s]+/", mailoutbox[-1].body)
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200
    assert "Je confirme mon inscription" in page.content.decode()
    return client.post(path)


def test_valid_submission_is_confirmed_from_the_mailed_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    session = SessionFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, session, email="lea@ccas.example.org")

    enrolment = Enrolment.objects.get()
    assert enrolment.status == Enrolment.Status.UNCONFIRMED
    assert enrolment.held_status == Enrolment.Status.CONFIRMED
    assert enrolment.employer.siret == "73282932000074"
    assert response.status_code == 302
    assert response["Location"] == reverse("enrolment:received", args=[session.pk])
    assert "Vérifiez votre boîte mail" in client.get(response["Location"]).content.decode()
    assert [m.subject.split(" –")[0] for m in mailoutbox] == ["Confirmez votre inscription"]

    with django_capture_on_commit_callbacks(execute=True):
        response = _confirm(client, mailoutbox)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    # Compared by what it carries: a token made a second later differs.
    assert _personal_page_of(response["Location"]) == enrolment.pk
    page = client.get(response["Location"])
    assert "Votre inscription est confirmée" in page.content.decode()
    assert "lea@ccas.example.org" in page.content.decode()
    assert [m.to for m in mailoutbox] == [["lea@ccas.example.org"]] * 2


def test_full_session_confirmation_page_gives_the_waiting_list_position(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=1, min_participants=0)
    EnrolmentFactory(session=session)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, session)

    response = _confirm(client, mailoutbox)

    page = _text(client.get(response["Location"]))
    assert "liste d'attente" in page
    assert "en position 1" in page


def test_invalid_fields_rerender_with_messages_next_to_them_and_a_summary(client):
    session = SessionFactory()

    response = _post(
        client,
        session,
        first_name="Léa",
        email="pas-une-adresse",
        siret="73282932000075",
        consent=None,
    )

    assert response.status_code == 200
    assert not Enrolment.objects.exists()
    html = response.content.decode()
    assert 'value="Léa"' in html
    assert 'value="pas-une-adresse"' in html
    assert re.search(r'id="erreurs"[^>]*|role="alert"', html)
    assert 'href="#id_email"' in html
    assert 'href="#id_siret"' in html
    assert 'href="#id_consent"' in html
    assert re.search(r'name="siret"[^>]*aria-invalid="true"', html) or re.search(
        r'aria-invalid="true"[^>]*name="siret"', html
    )
    assert 'id="id_siret_error"' in html
    assert "clé de contrôle" in html
    assert "<title>Erreur – " in html


def test_other_job_without_description_is_reported_on_its_field(client):
    response = _post(client, SessionFactory(), job="autre", job_other="")

    assert response.status_code == 200
    assert 'href="#id_job_other"' in response.content.decode()


def test_prerequisite_details_are_required_for_the_chosen_option(client):
    session = SessionFactory(module=PrerequisiteModuleFactory())

    response = _post(client, session, prerequisite_basis="module")

    html = response.content.decode()
    assert 'href="#id_prerequisite_module_when"' in html
    assert 'href="#id_prerequisite_module_provider"' in html
    assert not Enrolment.objects.exists()

    response = _post(
        client,
        session,
        prerequisite_basis="module",
        prerequisite_module_when="octobre 2023",
        prerequisite_module_provider="PRAXIS",
    )
    assert response.status_code == 302
    assert Enrolment.objects.get().held_status == Enrolment.Status.PENDING


def test_missing_prerequisite_choice_links_to_the_first_radio(client):
    session = SessionFactory(module=PrerequisiteModuleFactory())

    html = _post(client, session).content.decode()

    assert 'href="#id_prerequisite_basis_0"' in html
    assert 'id="id_prerequisite_basis_0"' in html


def test_second_submission_with_same_address_gets_the_neutral_page(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, session, email="lea@ccas.example.org", first_name="Léa")
        response = _post(client, session, email="lea@ccas.example.org", first_name="Intrus")

    assert response["Location"] == reverse("enrolment:received", args=[session.pk])
    page = _text(client.get(response["Location"]))
    assert "Léa" not in page
    assert "lea@ccas.example.org" not in page
    assert "aucune nouvelle inscription n'est créée" in page
    assert Enrolment.objects.count() == 1
    assert Trainee.objects.get().first_name == "Léa"
    # Its owner got the confirmation link minutes ago: not again yet (no flood).
    assert [m.subject.split(" –")[0] for m in mailoutbox] == ["Confirmez votre inscription"]


def test_filled_honeypot_looks_like_success_and_creates_nothing(client, mailoutbox):
    session = SessionFactory()

    response = _post(client, session, site_internet="http://spam.example.com")

    assert response.status_code == 302
    assert response["Location"] == reverse("enrolment:received", args=[session.pk])
    assert not Trainee.objects.exists()
    assert not OutboxMail.objects.exists()
    assert mailoutbox == []


def test_passed_deadline_shows_why_and_the_other_sessions(client):
    today = timezone.localdate()
    session = SessionFactory(
        registration_deadline=today - datetime.timedelta(days=1),
        days=[today + datetime.timedelta(days=5)],
    )
    other = SessionFactory(module=session.module, city="Tours")
    SessionFactory(module=session.module, status="draft", city="Blois")

    for response in (client.get(_url(session)), _post(client, session)):
        html = _text(response)
        assert response.status_code == 200
        assert "date limite d'inscription" in html
        assert reverse("enrolment:enrol", args=[other.pk]) in html
        assert "Blois" not in html
    assert not Enrolment.objects.exists()


def test_cancelled_session_says_so(client):
    # Published, then cancelled: a session cancelled before publication is not public.
    session = SessionFactory(status="cancelled", published_at=timezone.now())

    html = client.get(_url(session)).content.decode()

    assert "La session a été annulée." in html


def test_draft_session_has_no_enrolment_page(client):
    assert client.get(_url(SessionFactory(status="draft"))).status_code == 404
    assert client.get(reverse("enrolment:enrol", args=[999999])).status_code == 404


def test_form_requires_csrf():
    client = Client(enforce_csrf_checks=True)
    session = SessionFactory()

    response = client.post(_url(session), form_data())

    assert response.status_code == 403
    assert not Enrolment.objects.exists()


def test_too_many_submissions_from_one_address_get_a_french_429(client, settings):
    settings.ENROLMENT_RATE_LIMIT_ENROL = 3
    session = SessionFactory()

    statuses = [_post(client, session).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]
    response = _post(client, session)
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert Enrolment.objects.count() == 3
    # Another address is not held back, and reading the page is never limited.
    assert client.post(_url(session), form_data(), REMOTE_ADDR="10.0.0.2").status_code == 302
    assert client.get(_url(session)).status_code == 200


def test_rate_limit_uses_the_proxy_address_when_behind_the_proxy(client, settings):
    settings.ENROLMENT_RATE_LIMIT_ENROL = 1
    settings.ENROLMENT_RATE_LIMIT_TRUST_FORWARDED = True
    session = SessionFactory()
    url = _url(session)

    first = client.post(url, form_data(), HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    second = client.post(url, form_data(), HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7")
    third = client.post(url, form_data(), HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert [first.status_code, second.status_code, third.status_code] == [302, 429, 302]


def _personal_page_of(location):
    """The enrolment id of a redirect to an enrolment's "done" page."""
    match = resolve(location)
    assert match.url_name == "done"
    return enrolment_id_from_token(match.kwargs["token"])

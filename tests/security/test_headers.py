"""Response headers: the Content-Security-Policy on every page (django-csp), no store of the
pages behind a personal link or a login, Retry-After on every 429. The browser side of the
policy (no violation while the pages work) is tests/browser/test_csp.py."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from enrolment.links import confirmation_token, enrolment_token
from enrolment.models import Enrolment, ReminderSubscription
from enrolment.reminder_links import confirm_token, unsubscribe_token
from tests.enrolment.helpers import form_data
from tests.factories import (
    EnrolmentFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
    opco_staff_user,
)

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def session():
    return SessionFactory()


@pytest.fixture
def staff_client(client):
    user = opco_staff_user()
    client.force_login(user)
    return client


def test_public_pages_and_forms_carry_the_policy(client, session):
    urls = [
        reverse("catalogue:home"),
        reverse("catalogue:session_list"),
        session.get_absolute_url(),
        reverse("enrolment:enrol", args=[session.pk]),
        reverse("providers:login"),
        reverse("admin:login"),
        "/page-qui-n-existe-pas/",
    ]
    for url in urls:
        response = client.get(url)
        assert policy(response) == POLICY, url


def test_a_form_sent_back_with_errors_carries_the_policy(client, session):
    response = client.post(reverse("enrolment:enrol", args=[session.pk]), {"first_name": ""})

    assert response.status_code == 200
    assert policy(response) == POLICY


def test_admin_pages_carry_the_policy(staff_client, session):
    for url in [
        reverse("admin:index"),
        reverse("admin:catalogue_session_changelist"),
        reverse("admin:catalogue_session_change", args=[session.pk]),
    ]:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert policy(response) == POLICY, url


def test_no_template_holds_an_inline_script_or_style():
    """The policy refuses them; a JSON-LD block is data, which it lets be. Mails are not pages."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>")
    inline_style = re.compile(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)
    offending = []
    for path in TEMPLATES.rglob("*.html"):
        if path.relative_to(TEMPLATES).parts[0] == "emails":
            continue
        text = path.read_text()
        if inline_script.search(text) or inline_style.search(text):
            offending.append(str(path.relative_to(TEMPLATES)))
    assert offending == []


def test_the_error_summary_loads_its_focus_script_from_a_file(client, session):
    html = client.post(
        reverse("enrolment:enrol", args=[session.pk]), {"first_name": ""}
    ).content.decode()

    assert 'id="erreurs"' in html
    assert '<script src="/static/js/error-summary.js" defer></script>' in html
    clean = client.get(reverse("enrolment:enrol", args=[session.pk])).content.decode()
    assert "error-summary.js" not in clean


def assert_not_stored(response, url):
    assert response.status_code in (200, 302), (url, response.status_code)
    assert "no-store" in response["Cache-Control"], url
    assert "private" in response["Cache-Control"], url


def test_pages_behind_a_personal_link_are_not_stored(client, session):
    enrolment = EnrolmentFactory(session=session)
    token = enrolment_token(enrolment)
    unconfirmed = EnrolmentFactory(session=session, status=Enrolment.Status.UNCONFIRMED)
    subscription = ReminderSubscription.objects.create(email="rappel@example.org", session=session)
    urls = [
        reverse(f"enrolment:{name}", args=[token])
        for name in ("done", "detail", "cancel", "calendar", "satisfaction")
    ] + [
        reverse("enrolment:confirm", args=[confirmation_token(unconfirmed)]),
        reverse("enrolment:reminder_confirm", args=[confirm_token(subscription)]),
        reverse("enrolment:reminder_unsubscribe", args=[unsubscribe_token(subscription)]),
    ]
    for url in urls:
        assert_not_stored(client.get(url), url)


def test_the_providers_space_is_not_stored(client, session):
    provider = ProviderFactory()
    member = UserFactory()
    provider.members.add(member)
    mine = SessionFactory(provider=provider)
    enrolment = EnrolmentFactory(session=mine, status=Enrolment.Status.PENDING)
    client.force_login(member)
    urls = [
        reverse("providers:home"),
        reverse("providers:session", args=[mine.pk]),
        reverse("providers:enrolment_refuse", args=[enrolment.pk]),
    ]
    for url in urls:
        assert_not_stored(client.get(url), url)
    client.logout()
    assert_not_stored(client.get(reverse("providers:login")), "login")


def test_the_enrolment_rate_limit_says_when_to_come_back(client, session, settings):
    settings.ENROLMENT_RATE_LIMIT_ENROL = 1
    settings.ENROLMENT_RATE_LIMIT_WINDOW_SECONDS = 600
    url = reverse("enrolment:enrol", args=[session.pk])
    assert "Retry-After" not in client.post(url, form_data())

    response = client.post(url, form_data())

    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 600
    minutes = -(-retry_after // 60)
    assert f"réessayez dans {minutes} minute" in response.content.decode()


def test_the_link_request_rate_limit_says_when_to_come_back(client, settings):
    settings.ENROLMENT_RATE_LIMIT_LINK = 0

    response = client.post(reverse("enrolment:link_request"), {"email": "a@example.org"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.ENROLMENT_RATE_LIMIT_WINDOW_SECONDS

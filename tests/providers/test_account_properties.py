"""The accounts' forms given any text: a form error or a success, never a 500, never half
saved (the bad-input suite's rule, tests/security)."""

import pytest
from django.test import Client
from hypothesis import given

from accounts.models import User
from outbox.models import OutboxMail
from tests.factories import opco_staff_user
from tests.security.strategies import emails, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(db):
    staff = opco_staff_user()
    browser = Client()
    browser.force_login(staff)
    return browser


@pytest.fixture
def _no_rate_limit(settings):
    # The examples share the cache, hence the per-IP count.
    settings.PASSWORD_RESET_RATE_LIMIT = 1_000_000


@given(email=emails)
def test_password_reset_request_answers_a_redirect_or_a_form_error(_no_rate_limit, alice, email):
    response = Client().post("/mot-de-passe-oublie/", {"email": email})

    # 400: a NUL byte (accounts.middleware).
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 200:
        assert 'id="erreurs"' in response.content.decode()


@given(email=emails, first_name=texts, last_name=texts)
def test_invitation_answers_a_form_error_or_a_member(
    staff_client, provider, email, first_name, last_name
):
    users_before = User.objects.count()
    mails_before = OutboxMail.objects.count()

    response = staff_client.post(
        f"/admin/catalogue/provider/{provider.pk}/inviter/",
        {"email": email, "first_name": first_name, "last_name": last_name},
    )

    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        assert provider.members.filter(email__iexact=email.strip()).exists()
    else:
        if response.status_code == 200:
            assert "errornote" in response.content.decode()
        assert User.objects.count() == users_before
        assert OutboxMail.objects.count() == mails_before

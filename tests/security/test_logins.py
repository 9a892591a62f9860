"""Both logins (the providers' /connexion/ and the admin's /admin/login/) lock out after
LOGIN_FAILURE_LIMIT wrong passwords, per account and per IP (django-axes, accounts/lockout.py),
with a French 429 page that says when to come back; and both count against the per-IP
LOGIN_RATE_LIMIT. Before: sixty wrong passwords in a row on the admin all answered 200."""

import datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from allervers import settings as project_settings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-solide-42"
PROVIDERS_LOGIN = "/connexion/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_RATE_LIMIT = 100


@pytest.fixture
def member():
    return UserFactory(email="ines@croix-rouge.example.org")


@pytest.fixture
def staff():
    return UserFactory(email="gestion@opco.example.org", is_staff=True)


def attempt(client, url, email, password="pas-le-bon", ip="203.0.113.7"):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_the_defaults_lock_out_after_ten_failures_for_fifteen_minutes():
    settings = project_settings
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username"], ["ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


@pytest.mark.parametrize("url", [ADMIN_LOGIN, PROVIDERS_LOGIN])
def test_wrong_passwords_lock_the_login_out_even_for_the_right_one(client, staff, url):
    statuses = [attempt(client, url, staff.email).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    response = attempt(client, url, staff.email, password=PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_sixty_wrong_admin_passwords_no_longer_all_answer_200(client, staff, settings):
    settings.AXES_FAILURE_LIMIT = 10

    statuses = [attempt(client, ADMIN_LOGIN, staff.email).status_code for _ in range(60)]

    assert statuses[:9] == [200] * 9
    assert set(statuses[9:]) == {429}


def test_an_account_is_locked_out_whatever_the_ip_and_the_case_of_the_address(client, member):
    for number, email in enumerate(
        [
            "ines@croix-rouge.example.org",
            "INES@Croix-Rouge.example.org",
            " Ines@croix-rouge.example.org",
        ]
    ):
        response = attempt(client, PROVIDERS_LOGIN, email, ip=f"198.51.100.{number}")

    assert response.status_code == 429
    # Another address from yet another IP: still the locked account.
    response = attempt(client, PROVIDERS_LOGIN, member.email, password=PASSWORD, ip="192.0.2.1")
    assert response.status_code == 429
    # Another account is not locked.
    other = UserFactory()
    response = attempt(client, PROVIDERS_LOGIN, other.email, password=PASSWORD, ip="192.0.2.1")
    assert response.status_code == 302


def test_an_ip_is_locked_out_whatever_the_accounts_it_tries(client, member):
    for number in range(3):
        response = attempt(client, PROVIDERS_LOGIN, f"inconnu{number}@example.org")

    assert response.status_code == 429
    assert attempt(client, PROVIDERS_LOGIN, member.email, password=PASSWORD).status_code == 429
    # From another IP, the account logs in.
    response = attempt(client, PROVIDERS_LOGIN, member.email, password=PASSWORD, ip="192.0.2.9")
    assert response.status_code == 302


def test_the_admin_and_the_providers_login_count_together(client, staff):
    attempt(client, ADMIN_LOGIN, staff.email)
    attempt(client, PROVIDERS_LOGIN, staff.email)

    assert attempt(client, ADMIN_LOGIN, staff.email).status_code == 429


def test_a_successful_login_clears_the_failures(client, member):
    for _ in range(2):
        attempt(client, PROVIDERS_LOGIN, member.email)
    assert attempt(client, PROVIDERS_LOGIN, member.email, password=PASSWORD).status_code == 302
    client.logout()

    # Counting starts again from zero: the third failure from now locks out.
    statuses = [attempt(client, PROVIDERS_LOGIN, member.email).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_lock_out_ends_after_the_cool_off(client, member):
    for _ in range(3):
        attempt(client, PROVIDERS_LOGIN, member.email)

    def login_after(minutes):
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes)):
            return attempt(client, PROVIDERS_LOGIN, member.email, password=PASSWORD).status_code

    assert login_after(14) == 429
    # 20 minutes after the lock-out, but the refused try at 14 started the cool-off again.
    assert login_after(20) == 429
    assert login_after(36) == 302


def test_the_providers_lock_out_page_is_french_and_gives_a_way_out(client, member):
    for _ in range(3):
        response = attempt(client, PROVIDERS_LOGIN, member.email)

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "<h1>Trop de tentatives de connexion</h1>" in html
    assert "Réessayez dans 15 minutes." in html
    assert "Mot de passe oublié\u00a0?" in html
    # The way out: a new password by mail, which lifts the account's lock-out.
    assert 'href="/mot-de-passe-oublie/"' in html
    assert "Écrivez à votre interlocuteur OPCO" in html
    assert f'href="{PROVIDERS_LOGIN}"' in html
    assert member.email not in html


def test_the_admin_lock_out_page_offers_the_reset_and_an_administrator(client, staff, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=1)
    for _ in range(3):
        response = attempt(client, ADMIN_LOGIN, staff.email)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Réessayez dans 1 minute." in html
    assert 'href="/admin/mot-de-passe-oublie/"' in html
    assert "Un administrateur d'Allervers peut aussi lever ce blocage." in html
    assert f'href="{ADMIN_LOGIN}"' in html


@pytest.mark.parametrize("url", [ADMIN_LOGIN, PROVIDERS_LOGIN])
def test_both_logins_count_against_the_per_ip_rate_limit(client, settings, url):
    settings.LOGIN_RATE_LIMIT = 2
    settings.ENROLMENT_RATE_LIMIT_WINDOW_SECONDS = 3600
    # Different accounts, a successful login between them: the cap holds all the same.
    user = UserFactory(is_staff=True)
    assert attempt(client, url, "a@example.org").status_code == 200
    assert attempt(client, url, user.email, password=PASSWORD).status_code == 302
    client.logout()

    response = attempt(client, url, "b@example.org")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Trop de tentatives de connexion" in response.content.decode()
    # Every attempt counts here, in a fixed window: not the lock-out's words.
    html = " ".join(response.content.decode().split())
    assert "le nombre de tentatives de connexion depuis votre connexion internet est limité" in html
    assert "le fait recommencer" not in html

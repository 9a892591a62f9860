import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def ensure_admin(*args, **options):
    out = StringIO()
    call_command("ensure_admin", *args, stdout=out, **options)
    return out.getvalue()


def test_creates_a_superuser_and_prints_its_credentials(settings):
    settings.DEBUG = True

    output = ensure_admin(email="admin@allervers.localhost", password="démo-locale-2031")

    user = User.objects.get()
    assert (user.email, user.is_superuser, user.is_staff) == (
        "admin@allervers.localhost",
        True,
        True,
    )
    assert user.check_password("démo-locale-2031")
    assert "admin@allervers.localhost" in output
    assert "démo-locale-2031" in output


def test_second_run_leaves_the_account_as_it_is(settings):
    settings.DEBUG = True
    ensure_admin(email="admin@allervers.localhost", password="démo-locale-2031")

    output = ensure_admin(email="Admin@Allervers.localhost", password="un-autre-mot-de-passe")

    assert "déjà créé, inchangé" in output
    assert "un-autre-mot-de-passe" not in output
    assert User.objects.get().check_password("démo-locale-2031")


def test_reads_the_environment_and_defaults(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("ADMIN_EMAIL", "demo@allervers.localhost")
    monkeypatch.setenv("ADMIN_PASSWORD", "mot-de-passe-de-demo")

    ensure_admin()

    assert User.objects.get(email="demo@allervers.localhost").check_password("mot-de-passe-de-demo")


def test_generates_a_password_when_none_is_given(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.delenv("ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)

    output = ensure_admin()

    password = re.search(r"password: (\S+)", output).group(1)
    assert len(password) >= 16
    assert User.objects.get(email="admin@allervers.localhost").check_password(password)


def test_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        ensure_admin(email="admin@allervers.localhost")
    assert not User.objects.exists()

    ensure_admin("--force", email="admin@allervers.localhost")
    assert User.objects.filter(email="admin@allervers.localhost", is_superuser=True).exists()

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from allervers import settings as project_settings
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env_overrides):
    """Run manage.py in a fresh process, with the test run's overrides removed."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "SECURE_SSL_REDIRECT",
            "ALLOWED_HOSTS",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="allervers.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",  # only read: check connects to nothing
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_redis_when_debug_is_off():
    result = manage(
        "check",
        "--deploy",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="allervers.example.org",
        REDIS_URL="",
    )
    assert result.returncode != 0
    assert "(allervers.E001) REDIS_URL is not set while DEBUG is off" in result.stderr


def test_check_without_deploy_accepts_no_redis():
    """The embedded default (tasks in-process) stays usable outside deployments."""
    result = manage(
        "check", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="a.example.org", REDIS_URL=""
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", ALLOWED_HOSTS="allervers.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked(settings):
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE


@pytest.mark.django_db
def test_only_the_tests_hash_passwords_with_md5(settings):
    """tests/conftest.py swaps the hasher for speed; the settings module keeps Django's."""
    assert not hasattr(project_settings, "PASSWORD_HASHERS")
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert UserFactory().password.startswith("md5$")


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_localisation_is_french_in_paris(settings):
    assert settings.LANGUAGE_CODE == "fr-fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ is True

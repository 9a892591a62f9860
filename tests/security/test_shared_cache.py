"""The per-IP rate limits count in the default cache: with each process's own memory, three
gunicorn workers let 83 enrolments an hour through a limit of 30. `check --deploy` warns."""

import secrets

from allervers.checks import check_shared_cache_in_production
from tests.test_project import manage

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }
}


def test_a_process_local_cache_without_debug_is_a_deploy_warning(settings):
    settings.DEBUG = False
    settings.CACHES = LOCAL_MEMORY

    [warning] = check_shared_cache_in_production()

    assert warning.id == "allervers.W001"
    assert "LocMemCache" in warning.msg
    assert "rate limits" in warning.msg
    assert "REDIS_URL" in warning.hint


def test_a_shared_cache_or_debug_raises_nothing(settings):
    settings.DEBUG = False
    settings.CACHES = REDIS
    assert check_shared_cache_in_production() == []

    settings.DEBUG = True
    settings.CACHES = LOCAL_MEMORY
    assert check_shared_cache_in_production() == []


def test_check_deploy_prints_the_warning_without_redis():
    result = manage(
        "check",
        "--deploy",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="allervers.example.org",
        REDIS_URL="",
    )

    assert "(allervers.W001) The default cache" in result.stderr

import functools
import os

import hypothesis
import pytest
import redis
from celery.result import allow_join_result
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test.utils import override_settings

from allervers.celery import app as celery_app

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"

# Property-based tests (tests/security): the same examples on every run and in CI, a bounded
# number of them, no example database written into the tree. Examples share their test's
# function-scoped fixtures and database transaction, which the tests allow for.
# HYPOTHESIS_PROFILE=hunt tries many more, with fresh random examples.
_HEALTH_CHECKS = [hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow]
hypothesis.settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_HEALTH_CHECKS,
)
hypothesis.settings.register_profile(
    "hunt", max_examples=1000, deadline=None, database=None, suppress_health_check=_HEALTH_CHECKS
)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_overrides_key = pytest.StashKey[override_settings]()


def pytest_configure(config):
    """Test-only settings that must hold before any fixture runs (session-scoped ones, the
    live server's thread, each pytest-xdist worker), hence not in a fixture.

    - A fast password hasher: PBKDF2's deliberate slowness, once per user the factories
      create, was most of the suite's time. Production keeps Django's default hashers.
    - With Redis (CI), a cache key prefix of this process's own: `_fresh_cache` then deletes
      only its own keys instead of flushing the Redis database, which would wipe the rate-limit
      counters of another test process (an xdist worker, another run) and the broker queues
      of an end-to-end worker test running beside it."""
    overrides = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}
    default_cache = django_settings.CACHES["default"]
    if default_cache["BACKEND"] == REDIS_CACHE:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        prefix = f"tests-{worker}-{os.getpid()}"
        overrides["CACHES"] = {
            **django_settings.CACHES,
            "default": {**default_cache, "KEY_PREFIX": prefix},
        }
    # Through override_settings, so that Django's setting_changed receivers drop anything
    # already built from the previous values (hashers, cache connections).
    config.stash[_overrides_key] = override = override_settings(**overrides)
    override.enable()


def pytest_unconfigure(config):
    override = config.stash.get(_overrides_key, None)
    if override is not None:
        override.disable()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests (live server, Celery worker, concurrency) empty every table when they
    end, and with them the rows the migrations made (the staff group): pytest-django runs them
    after the others, but pytest's own reordering, which groups tests by session-scoped
    parameters (Playwright's browser_name, added to any test with an argument named like one of
    its fixtures), can move them back in between. Sort again (stable), after every other hook;
    xdist's default `--dist load` keeps this order within each worker."""

    def transactional(item):
        marker = item.get_closest_marker("django_db")
        flagged = marker is not None and (
            any(marker.args[:2])  # django_db(transaction, reset_sequences, ...)
            or any(marker.kwargs.get(name) for name in ("transaction", "reset_sequences"))
        )
        return flagged or not {"transactional_db", "live_server"}.isdisjoint(item.fixturenames)

    items.sort(key=transactional)


@functools.cache
def _redis(location):
    return redis.Redis.from_url(location)


def _clear_cache():
    options = django_settings.CACHES["default"]
    if options["BACKEND"] != REDIS_CACHE:
        cache.clear()  # in-process memory: this process's own
        return
    client = _redis(options["LOCATION"])
    keys = list(client.scan_iter(match=f"{options['KEY_PREFIX']}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Production uses the hashed manifest, which needs `collectstatic`; tests don't run it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Tasks run in-process in tests, even where REDIS_URL is set (CI); the end-to-end
    worker tests turn this off themselves.

    allow_join_result: an eager `delay()` forbids `result.get()` while it runs through a
    process-wide flag, which threads sending tasks at once (the concurrency tests) can leave
    set; a later test's `.get()` would then fail with "Never call result.get() within a task"."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with allow_join_result():
        yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached pages must not leak between tests (the cache is Redis in CI)."""
    _clear_cache()
    yield
    _clear_cache()

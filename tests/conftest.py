import pytest
from django.core.cache import cache

from allervers.celery import app as celery_app


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
    worker tests turn this off themselves."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached pages must not leak between tests (the cache is Redis in CI)."""
    cache.clear()
    yield
    cache.clear()

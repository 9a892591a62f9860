"""Deployment checks of the project's own settings, run by `manage.py check --deploy`.

Registered on import: allervers/__init__.py imports this module, so every process that loads
the settings has them (the project package is not an installed app)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Caches that live inside one process: each web worker would count the rate limits apart.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register("celery", Tags.caches, deploy=True)
def check_redis_in_production(app_configs=None, **kwargs):
    """Without REDIS_URL, Celery runs each task inside the web request that sends it, nothing
    runs the periodic jobs (no beat), and each process has its own cache (rate limits): fine
    with DEBUG only."""
    if settings.DEBUG or getattr(settings, "REDIS_URL", ""):
        return []
    return [
        Error(
            "REDIS_URL is not set while DEBUG is off: Celery tasks would run inside the web "
            "requests and no beat would run the periodic jobs.",
            hint=(
                "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0), then run a Celery worker and "
                "exactly one beat (see README.md, 'Workers and beat')."
            ),
            id="allervers.E001",
        )
    ]


@register(Tags.caches, Tags.security, deploy=True)
def check_shared_cache_in_production(app_configs=None, **kwargs):
    """The per-IP rate limits (accounts/ratelimit.py) count in the default cache: in each
    process's memory, N workers let N times the limit through."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Warning(
            f"The default cache ({backend}) is not shared by the processes while DEBUG is off: "
            "each web worker counts the per-IP rate limits on its own.",
            hint="Set REDIS_URL, which makes the default cache Redis (see README.md, 'Security').",
            id="allervers.W001",
        )
    ]

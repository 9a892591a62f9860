"""A per-IP, fixed-window rate limit on Django's cache (shared Redis in production)."""

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


def client_ip(request) -> str:
    if settings.ENROLMENT_RATE_LIMIT_TRUST_FORWARDED:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw; what comes before it is the client's say.
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def rate_limit_hit(request, *, action: str, limit: int) -> bool:
    """Count this request; True once `limit` requests from this IP for `action` have been
    seen in the current window."""
    window = settings.ENROLMENT_RATE_LIMIT_WINDOW_SECONDS
    key = f"ratelimit:{action}:{client_ip(request)}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this request starts the new window.
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def rate_limited(action: str, limit_setting: str, methods=("POST",)):
    """Answer 429 with a French page once the IP has made too many `methods` requests."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            limit = getattr(settings, limit_setting)
            if request.method in methods and rate_limit_hit(request, action=action, limit=limit):
                return render(request, "429.html", status=429)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

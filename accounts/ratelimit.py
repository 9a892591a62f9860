"""A per-IP, fixed-window rate limit on Django's cache (shared Redis in production: with each
process's own memory, every worker would count apart)."""

import functools
import math
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


def window_seconds_left() -> int:
    """Seconds until the current window ends and every counter starts again (at least 1)."""
    window = settings.ENROLMENT_RATE_LIMIT_WINDOW_SECONDS
    return max(1, math.ceil(window - time.time() % window))


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


def too_many_requests(request, *, template: str, retry_after: int, context=None):
    """The 429 page; Retry-After tells clients (and the page, in minutes) when to come back."""
    context = {**(context or {}), "retry_minutes": max(1, math.ceil(retry_after / 60))}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(
    action: str, limit_setting: str, methods=("POST",), template="429.html", context=None
):
    """Answer 429 with a French page (`template`, with `context(request)` if given) once the IP
    has made too many `methods` requests in the window."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            limit = getattr(settings, limit_setting)
            if request.method in methods and rate_limit_hit(request, action=action, limit=limit):
                return too_many_requests(
                    request,
                    template=template,
                    retry_after=window_seconds_left(),
                    context=context(request) if context else None,
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

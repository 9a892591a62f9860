"""The login lock-out (django-axes, configured in settings.py): who counts as the same account,
and the French page a locked-out login gets.

Axes counts failed passwords per account and per IP, on the providers' login page and the
admin's (every `authenticate()` with a request); once either reaches AXES_FAILURE_LIMIT within
the cool-off, that account or that IP is refused until the cool-off has passed since its last
failure (each try meanwhile starts it again). A successful login clears the account's and the
IP's failures."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from .ratelimit import rate_limited, too_many_requests

# AccessAttempt.username's length.
USERNAME_MAX_LENGTH = 255


def login_username(request, credentials=None) -> str | None:
    """The address as the lock-out counts it: logins match addresses without regard to case
    (UserManager.get_by_natural_key), so `Alice@` and `alice@` are one account here too."""
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        username = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(username, str) or not username.strip():
        return None
    return username.strip().lower()[:USERNAME_MAX_LENGTH]


def cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After: the cool-off starts again at each refused try, so the whole of it
    is what is left."""
    response = too_many_requests(
        request,
        template="accounts/lockout.html",
        retry_after=cool_off_seconds(),
        context=lockout_context(request),
    )
    add_never_cache_headers(response)
    return response


def lockout_context(request) -> dict:
    """The admin's accounts are OPCO staff, the login page's are providers' members: each page
    links back to its own login; both offer the password reset by mail as the way out."""
    admin = request.path.startswith(reverse("admin:index"))
    return {
        "for_admin": admin,
        "login_url": reverse("admin:login") if admin else reverse("providers:login"),
        "reset_url": reverse("admin_password_reset" if admin else "providers:password_reset"),
    }


def lockout_lift(*, email: str) -> int:
    """Clear the account's failed logins (not its IP's): called once a password was chosen
    through a mailed link, which proves the mailbox's owner. Returns the attempts removed."""
    username = login_username(None, {settings.AXES_USERNAME_FORM_FIELD: email})
    if not username:
        # axes' reset with no username would clear every account's attempts.
        return 0
    return axes_reset(username=username)


# Both login pages (the providers' and the admin's) share one per-IP limit on every attempt,
# successful ones included, beside axes' count of failures.
login_rate_limited = rate_limited(
    "login",
    "LOGIN_RATE_LIMIT",
    template="accounts/lockout.html",
    context=lambda request: {**lockout_context(request), "rate_limited": True},
)

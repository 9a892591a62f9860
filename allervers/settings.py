"""Allervers settings: one module, every difference between environments is an
environment variable (see README.md for the list)."""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def envbool(name, default="False"):
    return env(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(env(name, str(default)))


def envlist(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "accounts",
    "outbox",
    "catalogue",
    "enrolment",
    "website",
    "providers",
    "backoffice",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.RefuseNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a refused login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "allervers.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "allervers.wsgi.application"

# The embedded default is an SQLite file in the project; production sets DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

AUTH_USER_MODEL = "accounts.User"
# Axes first: it refuses a locked-out account or IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "providers:login"
LOGIN_REDIRECT_URL = "providers:home"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / env("STATIC_ROOT", "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / env("MEDIA_ROOT", "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console by default; EMAIL_URL-less SMTP settings in production.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = BASE_DIR / env("EMAIL_FILE_PATH", "sent_mail")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Allervers <ne-pas-repondre@allervers.fr>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Celery: without REDIS_URL, tasks run in-process (the embedded default).
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Celery jobs
# Every task is idempotent (the outbox claims each row, the periodic jobs claim each piece of
# work), so a message is acknowledged after the task ran and given back if the worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged message to another worker after this many seconds: every retry
# countdown (OUTBOX_RETRY_BACKOFF_MAX) and time limit stays well below it.
REDIS_VISIBILITY_TIMEOUT = envint("REDIS_VISIBILITY_TIMEOUT", 7200)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 300)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Results are ignored (CELERY_TASK_IGNORE_RESULT): no result backend, so no cleanup task.
CELERY_RESULT_EXPIRES = None
# Mails go to their own queue, so that a slow SMTP server never delays the other tasks; the
# router reads the name when a task is sent (see allervers/celery.py).
CELERY_TASK_DEFAULT_QUEUE = "celery"
MAIL_QUEUE = env("MAIL_QUEUE", "mail")
CELERY_TASK_ROUTES = ("allervers.celery.route_task",)
# The outbox: retries of a failed mail (exponential, with jitter, capped), then the sweeper.
OUTBOX_RETRY_BACKOFF_MAX = envint("OUTBOX_RETRY_BACKOFF_MAX", 1800)
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_STUCK_MINUTES = envint("OUTBOX_STUCK_MINUTES", 60)
OUTBOX_RETENTION_DAYS = envint("OUTBOX_RETENTION_DAYS", 400)
if OUTBOX_RETRY_BACKOFF_MAX >= REDIS_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured("OUTBOX_RETRY_BACKOFF_MAX must stay below the visibility timeout.")
# Periodic jobs (Europe/Paris; the schedule is in allervers/celery.py).
REMINDER_DAYS_BEFORE = sorted(
    {int(days) for days in envlist("REMINDER_DAYS_BEFORE", "7,2")}, reverse=True
)
CONVOCATION_DAYS_BEFORE = envint("CONVOCATION_DAYS_BEFORE", 7)
# Trainees' personal data is anonymised this many months after their last session ended.
RETENTION_MONTHS = envint("RETENTION_MONTHS", 36)

# Security: production-safe unless DEBUG is on.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(not DEBUG))
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if envbool("BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Only this site's own files: no inline script or style, no plugin, no framing. Bootstrap's CSS
# draws its icons with data: images. JSON-LD blocks are data, not scripts: CSP lets them be.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login lock-out (django-axes; accounts/lockout.py): LOGIN_FAILURE_LIMIT wrong passwords for
# one account, or from one IP, lock that account or IP out for LOGIN_LOCKOUT_MINUTES after the
# last one. Counted in the database, which every process shares; a successful login clears them.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Both login forms post the address as "username"; the user model's field is "email".
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Failed attempts are kept for the cool-off only; successful logins are not logged (addresses
# and IPs that no one reads). Axes' own log lines mask the address and the IP.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Logs go to stdout, without personal data: no request bodies, no addresses.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The PDF documents: WeasyPrint's steps and fontTools' subsetting log each page at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Cache: Redis when configured (shared by every process), else in-process memory.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Enrolment
# How long a freed seat is kept for the first person on the waiting list.
WAITLIST_OFFER_HOURS = envint("WAITLIST_OFFER_HOURS", 72)
# An enrolment holds its seat (or waiting-list place) this long for its address to be confirmed.
ENROLMENT_HOLD_MINUTES = envint("ENROLMENT_HOLD_MINUTES", 30)
# The personal link must outlive the session (cancel, .ics, later the certificate).
ENROLMENT_LINK_MAX_AGE_DAYS = envint("ENROLMENT_LINK_MAX_AGE_DAYS", 180)
# Per-IP fixed-window rate limits on the enrolment form and the link requests.
ENROLMENT_RATE_LIMIT_WINDOW_SECONDS = envint("ENROLMENT_RATE_LIMIT_WINDOW_SECONDS", 3600)
ENROLMENT_RATE_LIMIT_ENROL = envint("ENROLMENT_RATE_LIMIT_ENROL", 30)
ENROLMENT_RATE_LIMIT_LINK = envint("ENROLMENT_RATE_LIMIT_LINK", 10)
# Password attempts on the login pages (providers' and admin's), per IP and window, whatever
# their outcome: a cap that a successful login (which clears axes' counts) does not lift.
LOGIN_RATE_LIMIT = envint("LOGIN_RATE_LIMIT", 20)
# Password reset requests per IP and window (each one may send a mail).
PASSWORD_RESET_RATE_LIMIT = envint("PASSWORD_RESET_RATE_LIMIT", 10)
# Behind the proxy, the client's address is the last X-Forwarded-For entry the proxy appends.
ENROLMENT_RATE_LIMIT_TRUST_FORWARDED = envbool("BEHIND_HTTPS_PROXY")

# Providers' spreadsheet upload of sessions: the largest file, in bytes, and the most sessions
# (rows) one file may hold.
SESSION_IMPORT_MAX_BYTES = envint("SESSION_IMPORT_MAX_BYTES", 2_000_000)
SESSION_IMPORT_MAX_ROWS = envint("SESSION_IMPORT_MAX_ROWS", 200)

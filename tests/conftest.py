import pytest


@pytest.fixture(autouse=True)
def _mail_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

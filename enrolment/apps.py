from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enrolment"
    verbose_name = _("Inscriptions")

    def ready(self):
        # Registers the builders of the enrolment's mails with the outbox, in every process
        # that may send one (web, worker, tests).
        from . import mails  # noqa: F401

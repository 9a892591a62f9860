from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enrolment"
    verbose_name = _("Inscriptions")

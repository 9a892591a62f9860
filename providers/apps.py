from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    """The space where a training provider's members work (login, sessions, validations)."""

    name = "providers"
    verbose_name = _("Espace organisme")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    """The space where a training provider's members work (login, sessions, validations)."""

    name = "providers"
    verbose_name = _("Espace organisme")

    def ready(self):
        # Registers the builders of the accounts' and the space's mails with the outbox, in
        # every process that may send one (web, worker, tests).
        from . import mails  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (`manage.py demo_data`): no model, no page. Depends on the other apps,
    which know nothing of it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = _("Données de démonstration")

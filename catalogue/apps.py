from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self):
        connection_created.connect(register_sqlite_unaccent, dispatch_uid="catalogue_unaccent")


def register_sqlite_unaccent(sender, connection, **kwargs):
    """Give SQLite the `unaccent()` SQL function that PostgreSQL's extension provides, so the
    catalogue's search runs the same accent-insensitive queries on both databases."""
    if connection.vendor == "sqlite":
        from .search import strip_accents

        connection.connection.create_function("unaccent", 1, strip_accents, deterministic=True)

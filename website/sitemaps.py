from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap as BaseSitemap
from django.urls import reverse

from catalogue.models import Module, Provider

from .selectors import upcoming_sessions


class Sitemap(BaseSitemap):
    """URLs on SITE_URL, like the pages' canonical links, whatever host the request used."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class StaticPagesSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return [
            "catalogue:home",
            "catalogue:session_list",
            "catalogue:module_list",
            "catalogue:aller_vers",
            "catalogue:accessibility",
            "catalogue:legal",
            "catalogue:privacy",
        ]

    def location(self, item):
        return reverse(item)


class SessionSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        # Only the fields the sitemap reads: no prefetch of days.
        return (
            upcoming_sessions().select_related(None).prefetch_related(None).only("pk", "updated_at")
        )

    def lastmod(self, session):
        return session.updated_at


class ModuleSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Module.objects.order_by("number")


class ProviderSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Provider.objects.filter(sessions__status="published").distinct().order_by("name")


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "sessions": SessionSitemap,
    "modules": ModuleSitemap,
    "providers": ProviderSitemap,
}

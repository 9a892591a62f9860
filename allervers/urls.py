from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Allervers – gestion")
admin.site.site_title = _("Allervers")
admin.site.index_title = _("Catalogue et inscriptions")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("enrolment.urls")),
    path("", include("providers.urls")),
    path("", include("website.urls")),
]

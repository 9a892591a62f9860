from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.lockout import login_rate_limited

admin.site.site_header = _("Allervers – gestion")
admin.site.site_title = _("Allervers")
admin.site.index_title = _("Catalogue et inscriptions")

# The admin's login counts against the same per-IP limit as the providers' (and axes locks out
# both): declared before the admin's own URLs, so that this one answers.
admin_login = login_rate_limited(admin.site.login)

urlpatterns = [
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("", include("enrolment.urls")),
    path("", include("providers.urls")),
    path("", include("website.urls")),
]

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.lockout import login_rate_limited
from backoffice.dashboard import dashboard_admin_view
from providers.account_views import PasswordResetRequestView

admin.site.site_header = _("Allervers – gestion")
admin.site.site_title = _("Allervers")
admin.site.index_title = _("Catalogue et inscriptions")

# The admin's login counts against the same per-IP limit as the providers' (and axes locks out
# both): declared before the admin's own URLs, so that this one answers.
admin_login = login_rate_limited(admin.site.login)

urlpatterns = [
    path("admin/login/", admin_login, name="admin_login"),
    # Its name makes the admin's login page show "Mot de passe oublié ?".
    path(
        "admin/mot-de-passe-oublie/",
        PasswordResetRequestView.as_view(),
        name="admin_password_reset",
    ),
    # The staff's dashboard, linked from the top of the admin's index.
    path("admin/tableau-de-bord/", dashboard_admin_view, name="admin_dashboard"),
    path("admin/", admin.site.urls),
    path("", include("enrolment.urls")),
    path("", include("providers.urls")),
    path("", include("website.urls")),
]

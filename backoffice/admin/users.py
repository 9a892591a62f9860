"""The accounts' admin (accounts.admin), limited for an OPCO's staff to their OPCO's staff and
the members of the providers they see: registered again here, since accounts sits below the
OPCO scoping."""

from django.contrib import admin

from accounts.admin import UserAdmin
from accounts.models import User

from ..scoping import OpcoScopedAdminMixin, users_q


class ScopedUserAdmin(OpcoScopedAdminMixin, UserAdmin):
    opco_scope = users_q


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)

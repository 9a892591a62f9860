"""The accounts' admin (accounts.admin), limited for an OPCO's staff to their OPCO's staff and
the members of the providers they see: registered again here, since accounts sits below the
OPCO scoping."""

from django.contrib import admin

from accounts.admin import UserAdmin
from accounts.models import User

from ..scoping import OpcoScopedAdminMixin, members_q, users_q


class ScopedUserAdmin(OpcoScopedAdminMixin, UserAdmin):
    opco_scope = users_q

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The autocomplete of a provider's members offers no staff account (the field refuses
        # them: members are the provider's people).
        if (
            request.GET.get("model_name") == "provider"
            and request.GET.get("field_name") == "members"
        ):
            queryset = queryset.filter(members_q())
        return queryset, may_have_duplicates


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)

"""Which OPCO each staff account works for. Superusers assign them; OPCO staff only read."""

from django.contrib import admin

from catalogue.models import OpcoStaff

from ..scoping import NationalContentMixin, OpcoScopedAdminMixin, opco_staff_q


@admin.register(OpcoStaff)
class OpcoStaffAdmin(NationalContentMixin, OpcoScopedAdminMixin, admin.ModelAdmin):
    opco_scope = opco_staff_q
    list_display = ("user", "opco")
    list_filter = ("opco",)
    list_select_related = ("user", "opco")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)

"""The providers' proposed changes to published sessions, read by OPCO staff."""

from django.contrib import admin

from enrolment.models import SessionChangeRequest


@admin.register(SessionChangeRequest)
class SessionChangeRequestAdmin(admin.ModelAdmin):
    list_display = ("session", "status", "requested_by", "requested_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("session__module", "requested_by")
    search_fields = ("session__city", "session__label", "session__reference")
    readonly_fields = (
        "session",
        "fields",
        "days",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "reason",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

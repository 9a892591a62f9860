from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Employer, Enrolment, OutboxMail, Trainee


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "siret", "opco", "opco_member_number")
    list_filter = ("opco",)
    list_select_related = ("opco",)
    search_fields = ("name", "city", "siret", "opco_member_number")


@admin.register(Trainee)
class TraineeAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "email", "job", "diploma_level", "employer")
    list_display_links = ("last_name", "first_name")
    list_filter = ("job", "diploma_level")
    list_select_related = ("employer",)
    search_fields = ("last_name", "first_name", "email", "employer__name")
    autocomplete_fields = ("employer",)
    readonly_fields = ("created_at",)


# Set by the enrolment workflow (validation, waiting list, offers): shown, never typed in.
WORKFLOW_FIELDS = (
    "status_changed_at",
    "decided_at",
    "decided_by",
    "waitlisted_at",
    "offered_at",
    "offer_expires_at",
    "cancelled_at",
)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    """The status stays editable here until status changes go through the enrolment
    services from the admin too."""

    list_display = ("trainee", "trainee_email", "session", "status", "created_at")
    list_filter = ("status", "session__module", "session__region")
    list_select_related = ("trainee", "session__module")
    search_fields = (
        "trainee__last_name",
        "trainee__first_name",
        "trainee__email",
        "session__city",
    )
    date_hierarchy = "created_at"
    autocomplete_fields = ("trainee", "session", "employer")
    # The enrolment's page is the trainee's personal link: staff don't act as the trainee.
    view_on_site = False
    fieldsets = (
        (None, {"fields": ("trainee", "session", "status", "refusal_reason")}),
        (
            _("Structure employeuse"),
            {"fields": ("employer", "employer_contact_name", "employer_contact_email")},
        ),
        (
            _("Prérequis et besoins"),
            {
                "fields": (
                    "prerequisite_basis",
                    "prerequisite_module_when",
                    "prerequisite_module_provider",
                    "prerequisite_practice",
                    "disability_needs",
                )
            },
        ),
        (_("Suivi"), {"fields": ("created_at", "consent_at", *WORKFLOW_FIELDS)}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Consent is recorded once, when the enrolment is made.
        if obj is None:
            return ("created_at", *WORKFLOW_FIELDS)
        return ("created_at", "consent_at", *WORKFLOW_FIELDS)

    @admin.display(description=_("e-mail"), ordering="trainee__email")
    def trainee_email(self, obj):
        return obj.trainee.email


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    """The outbox, to follow what was sent. Mails are written and sent by the services."""

    list_display = ("created_at", "kind", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

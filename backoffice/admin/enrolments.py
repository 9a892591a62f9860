from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalogue.text import MESSAGE_MAX_LENGTH, phone_for_display
from enrolment.models import (
    SATISFACTION_RATINGS,
    Attendance,
    Employer,
    Enrolment,
    ReminderSubscription,
    SatisfactionResponse,
    Trainee,
)
from enrolment.selectors import waitlist_position_expression
from enrolment.services import (
    EnrolmentError,
    enrolment_cancel,
    enrolment_link_resend,
    enrolment_refuse,
    enrolment_validate,
)
from enrolment.transitions import Actor

from ..scoping import OpcoScopedAdminMixin, employers_q, trainees_q
from .actions import ChangePageActionsMixin
from .changelists import BoundedDatesMixin
from .documents import EnrolmentDocumentsMixin
from .personal_data import TraineePersonalDataMixin
from .readonly import ReadOnlyAdminMixin
from .relations import CheckedRelationsMixin
from .transitions import TransitionsGoAlongMixin, enrolment_history


@admin.register(Employer)
class EmployerAdmin(OpcoScopedAdminMixin, admin.ModelAdmin):
    opco_scope = employers_q
    list_display = ("name", "city", "siret", "opco", "opco_member_number")
    list_filter = ("opco",)
    list_select_related = ("opco",)
    search_fields = ("name", "city", "siret", "opco_member_number")


@admin.register(Trainee)
class TraineeAdmin(
    OpcoScopedAdminMixin,
    TraineePersonalDataMixin,
    CheckedRelationsMixin,
    TransitionsGoAlongMixin,
    admin.ModelAdmin,
):
    """A trainee's page also downloads their personal data and anonymises them on request
    (TraineePersonalDataMixin: its buttons are in admin/enrolment/trainee/change_form.html)."""

    opco_scope = trainees_q
    list_display = ("last_name", "first_name", "email", "job", "diploma_level", "employer")
    list_display_links = ("last_name", "first_name")
    list_filter = ("job", "diploma_level")
    list_select_related = ("employer",)
    search_fields = ("last_name", "first_name", "email", "employer__name")
    autocomplete_fields = ("employer",)
    readonly_fields = ("created_at",)


# Set by the enrolment services (validation, refusal, waiting list, offers): shown, never typed
# in, so that an edit here cannot move a seat around.
WORKFLOW_FIELDS = (
    "status",
    "status_changed_at",
    "decided_at",
    "decided_by",
    "refusal_reason",
    "waitlisted_at",
    "offered_at",
    "offer_expires_at",
    "cancelled_at",
)


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        help_text=_("Il figure dans l'e-mail envoyé à chaque stagiaire."),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )


@admin.register(Enrolment)
class EnrolmentAdmin(
    OpcoScopedAdminMixin,
    EnrolmentDocumentsMixin,
    BoundedDatesMixin,
    CheckedRelationsMixin,
    TransitionsGoAlongMixin,
    ChangePageActionsMixin,
    admin.ModelAdmin,
):
    """Trainees enrol through the public form and every status change goes through
    enrolment.services, from the actions here or the buttons of the change page: the seat and
    waiting-list rules hold whatever staff do in the admin."""

    session_path = "session__"
    list_display = ("trainee", "trainee_email", "session", "status", "waitlist", "created_at")
    list_filter = ("status", "session__module", "session__region")
    search_fields = (
        "trainee__last_name",
        "trainee__first_name",
        "trainee__email",
        "session__city",
    )
    date_hierarchy = "created_at"
    autocomplete_fields = ("employer",)
    # The person and the session are the enrolment itself; consent is recorded once.
    readonly_fields = (
        "trainee",
        "session",
        "created_at",
        "consent_at",
        *WORKFLOW_FIELDS,
        "waitlist",
        "trainee_email",
        "trainee_phone",
        "trainee_job",
        "trainee_diploma",
        "employer_siret",
        "history",
    )
    actions = ("validate_enrolments", "refuse_enrolments", "cancel_enrolments", "resend_links")
    change_form_template = "admin/enrolment/enrolment_change_form.html"
    # The enrolment's page is the trainee's personal link: staff don't act as the trainee.
    view_on_site = False
    # What staff need to decide, first: who, where, the status and waiting-list place, the
    # trainee's job and diploma, the employer, the prerequisite declared.
    fieldsets = (
        (None, {"fields": ("trainee", "session", "status", "waitlist", "refusal_reason")}),
        (
            _("Stagiaire"),
            {"fields": ("trainee_email", "trainee_phone", "trainee_job", "trainee_diploma")},
        ),
        (
            _("Structure employeuse"),
            {
                "fields": (
                    "employer",
                    "employer_siret",
                    "employer_contact_name",
                    "employer_contact_email",
                )
            },
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
        (
            _("Suivi"),
            {
                "fields": (
                    "created_at",
                    "consent_at",
                    "status_changed_at",
                    "decided_at",
                    "decided_by",
                    "waitlisted_at",
                    "offered_at",
                    "offer_expires_at",
                    "cancelled_at",
                )
            },
        ),
        (_("Historique des statuts"), {"fields": ("history",)}),
    )

    # Change-page buttons: URL suffix -> the action they run on that one enrolment.
    OBJECT_ACTIONS = {
        "valider": "validate_enrolments",
        "refuser": "refuse_enrolments",
        "renvoyer-lien": "resend_links",
    }

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting an enrolment that holds or awaits a seat would free it without offering it
        # to the waiting list: cancel it first. Django asks this for each row that a deletion
        # would take along, so "delete selected" and a trainee's deletion are held back too.
        if obj is not None and obj.is_active:
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        # The joins are made here: the changelist ignores list_select_related once a queryset
        # has some.
        return (
            super()
            .get_queryset(request)
            .select_related("trainee", "session__module", "employer")
            .annotate(waitlist_position=waitlist_position_expression())
        )

    def _run(self, request, queryset, operation) -> int:
        """Apply `operation` to each enrolment; a rule that forbids it becomes an error message
        for that row. Returns how many succeeded."""
        done = 0
        for enrolment in queryset:
            try:
                operation(enrolment)
            except EnrolmentError as error:
                self.message_user(request, f"{enrolment} : {error.message}", messages.ERROR)
            else:
                done += 1
        return done

    def _report(self, request, message):
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Valider les inscriptions sélectionnées"), permissions=["change"])
    def validate_enrolments(self, request, queryset):
        done = self._run(
            request,
            queryset,
            lambda enrolment: enrolment_validate(
                enrolment_id=enrolment.pk, by=Actor.staff(request.user)
            ),
        )
        if done:
            self._report(
                request,
                ngettext("%(count)d inscription validée.", "%(count)d inscriptions validées.", done)
                % {"count": done},
            )

    @admin.action(description=_("Refuser les inscriptions sélectionnées…"), permissions=["change"])
    def refuse_enrolments(self, request, queryset):
        # First call: ask for the reason. The confirmation page posts back with "post".
        form = RefusalForm(request.POST if "post" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            done = self._run(
                request,
                queryset,
                lambda enrolment: enrolment_refuse(
                    enrolment_id=enrolment.pk, by=Actor.staff(request.user), reason=reason
                ),
            )
            if done:
                self._report(
                    request,
                    ngettext(
                        "%(count)d inscription refusée.", "%(count)d inscriptions refusées.", done
                    )
                    % {"count": done},
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refuser des inscriptions"),
            "opts": self.opts,
            "enrolments": queryset,
            "form": form,
            "action": "refuse_enrolments",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/enrolment/refuse_confirmation.html", context)

    @admin.action(description=_("Annuler les inscriptions sélectionnées"), permissions=["change"])
    def cancel_enrolments(self, request, queryset):
        # Staff may cancel after the session has started (an absence on the first morning).
        done = self._run(
            request,
            queryset,
            lambda enrolment: enrolment_cancel(
                enrolment_id=enrolment.pk, by=Actor.staff(request.user), allow_after_start=True
            ),
        )
        if done:
            self._report(
                request,
                ngettext("%(count)d inscription annulée.", "%(count)d inscriptions annulées.", done)
                % {"count": done},
            )

    @admin.action(description=_("Renvoyer le lien personnel"), permissions=["change"])
    def resend_links(self, request, queryset):
        done = self._run(
            request, queryset, lambda enrolment: enrolment_link_resend(enrolment=enrolment)
        )
        if done:
            self._report(
                request,
                ngettext("%(count)d lien renvoyé.", "%(count)d liens renvoyés.", done)
                % {"count": done},
            )

    @admin.display(description=_("e-mail"), ordering="trainee__email")
    def trainee_email(self, obj):
        return obj.trainee.email

    @admin.display(description=_("changements"))
    def history(self, obj):
        return enrolment_history(obj)

    @admin.display(description=_("téléphone"))
    def trainee_phone(self, obj):
        return phone_for_display(obj.trainee.phone) or "—"

    @admin.display(description=_("métier"))
    def trainee_job(self, obj):
        trainee = obj.trainee
        job = trainee.get_job_display()
        return f"{job} ({trainee.job_other})" if trainee.job_other else job

    @admin.display(description=_("niveau de diplôme"))
    def trainee_diploma(self, obj):
        return obj.trainee.get_diploma_level_display() or "—"

    @admin.display(description=_("SIRET"))
    def employer_siret(self, obj):
        return obj.employer.siret if obj.employer and obj.employer.siret else "—"

    @admin.display(description=_("liste d'attente"), ordering="waitlist_position")
    def waitlist(self, obj):
        if obj.has_outstanding_offer:
            return _("place proposée jusqu'au %(date)s") % {
                "date": date_format(
                    timezone.localtime(obj.offer_expires_at), "SHORT_DATETIME_FORMAT"
                )
            }
        if obj.waitlist_position is not None:
            return _("position %(position)d") % {"position": obj.waitlist_position}
        return "—"


@admin.register(ReminderSubscription)
class ReminderSubscriptionAdmin(
    ReadOnlyAdminMixin, OpcoScopedAdminMixin, BoundedDatesMixin, admin.ModelAdmin
):
    """Made and confirmed by the person (double opt-in): staff look, or erase on request."""

    session_path = "session__"
    list_display = ("email", "session", "created_at", "confirmed_at", "unsubscribed_at")
    list_filter = ("session__module", "session__region")
    list_select_related = ("session__module",)
    search_fields = ("email", "session__city", "session__label")
    date_hierarchy = "created_at"
    deletable = True


@admin.register(Attendance)
class AttendanceAdmin(OpcoScopedAdminMixin, CheckedRelationsMixin, admin.ModelAdmin):
    session_path = "enrolment__session__"
    list_display = ("enrolment", "day", "half_day", "status", "recorded_at")
    list_filter = ("status", "half_day", "day__session__module", "day__session__region")
    list_select_related = ("enrolment__trainee", "enrolment__session__module", "day")
    search_fields = ("enrolment__trainee__last_name", "enrolment__trainee__email")
    autocomplete_fields = ("enrolment", "day")
    readonly_fields = ("recorded_at",)


@admin.register(SatisfactionResponse)
class SatisfactionResponseAdmin(
    ReadOnlyAdminMixin, OpcoScopedAdminMixin, BoundedDatesMixin, admin.ModelAdmin
):
    """The trainees' answers, without their names: staff read them per session (the averages
    are on each session's page)."""

    session_path = "enrolment__session__"
    list_display = ("created_at", "session", *SATISFACTION_RATINGS, "would_recommend")
    list_filter = ("enrolment__session__module", "enrolment__session__region", "would_recommend")
    list_select_related = ("enrolment__session__module",)
    search_fields = ("enrolment__session__city", "enrolment__session__label", "comment")
    date_hierarchy = "created_at"
    fields = ("session", *SATISFACTION_RATINGS, "would_recommend", "comment", "created_at")
    readonly_fields = fields
    deletable = True

    @admin.display(description=_("session"), ordering="enrolment__session")
    def session(self, obj):
        return obj.enrolment.session

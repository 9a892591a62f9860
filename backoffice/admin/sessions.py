from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalogue.models import (
    FundingPartner,
    Module,
    ModuleDay,
    Opco,
    OpcoContact,
    Provider,
    Sequence,
    Session,
    SessionDay,
    Trainer,
)
from catalogue.selectors import day_bounds
from catalogue.text import MESSAGE_MAX_LENGTH, phone_for_display
from enrolment.job_selectors import satisfaction_summary
from enrolment.models import Enrolment
from enrolment.selectors import seats_held, seats_left, with_seats_held
from enrolment.services import EnrolmentError
from enrolment.session_services import (
    DAY_FIELDS,
    SESSION_FIELDS,
    capacity_check_seats,
    day_check,
    session_cancel,
    session_change,
    session_check,
    session_create,
    session_publish,
)
from enrolment.transitions import Actor

from .actions import ChangePageActionsMixin, ServiceErrorsAsMessagesMixin
from .attendance import SessionAttendanceMixin
from .change_requests import PendingChangeRequestMixin
from .changelists import BoundedDatesMixin
from .documents import SessionDocumentsMixin
from .invitations import MemberInvitationMixin
from .relations import CheckedRelationsMixin
from .session_actions import SessionActionsMixin
from .transitions import TransitionsGoAlongMixin, session_history

# Long texts edited in table rows stay readable without taking the whole screen.
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 50})}}
# A website typed without its scheme is an https one (Django 6's default, chosen now).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class SequenceInline(admin.TabularInline):
    model = Sequence
    fields = ("number", "title", "description")
    formfield_overrides = COMPACT_TEXT
    extra = 0


class ModuleDayInline(admin.TabularInline):
    model = ModuleDay
    fields = ("number", "title", "content")
    formfield_overrides = COMPACT_TEXT
    extra = 0


@admin.register(Module)
class ModuleAdmin(CheckedRelationsMixin, admin.ModelAdmin):
    list_display = ("number", "title", "duration_days", "duration_hours", "session_count")
    list_display_links = ("number", "title")
    search_fields = ("title", "sectors")
    # Explicit: the session count groups the rows, and a grouped query drops Meta.ordering.
    ordering = ("number",)
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("prerequisite_modules",)
    inlines = (SequenceInline, ModuleDayInline)
    fieldsets = (
        (None, {"fields": ("number", "title", "slug", "prerequisite_modules")}),
        (
            _("Fiche technique"),
            {
                "fields": (
                    "sectors",
                    "audience",
                    "duration_days",
                    "duration_hours",
                    "context",
                    "objectives",
                    "prerequisites",
                    "inter_session_work",
                    "funding_note",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions"))

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, obj):
        return obj.session_count


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "module")
    list_display_links = ("number", "title")
    list_filter = ("module",)
    list_select_related = ("module",)
    search_fields = ("title", "description")


@admin.register(ModuleDay)
class ModuleDayAdmin(admin.ModelAdmin):
    list_display = ("module", "number", "title")
    list_display_links = ("number", "title")
    list_filter = ("module",)
    list_select_related = ("module",)
    search_fields = ("title", "content")


class TrainerInline(admin.TabularInline):
    model = Trainer
    fields = ("first_name", "last_name", "role")
    extra = 0


@admin.register(Provider)
class ProviderAdmin(MemberInvitationMixin, CheckedRelationsMixin, admin.ModelAdmin):
    # "Inviter un membre" among the object tools (invitations.MemberInvitationMixin).
    change_form_template = "admin/catalogue/provider/change_form.html"
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "city", "email", "phone_number", "trainer_count", "session_count")
    search_fields = ("name", "city", "siret")
    # Explicit: the counts below group the rows, and a grouped query drops Meta.ordering, which
    # left the session page's provider search paginating an unordered list.
    ordering = ("name", "pk")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("members",)
    inlines = (TrainerInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "siret", "website")}),
        (_("Coordonnées"), {"fields": ("address", "postcode", "city", "email", "phone")}),
        (
            _("Référent handicap"),
            {
                "fields": (
                    "disability_contact_name",
                    "disability_contact_email",
                    "disability_contact_phone",
                )
            },
        ),
        # Printed on the certificats de réalisation.
        (
            _("Représentant légal"),
            {"fields": ("legal_representative_name", "legal_representative_title")},
        ),
        (_("Espace de l'organisme"), {"fields": ("members",)}),
    )

    def get_queryset(self, request):
        # Two joins: distinct counts keep one from multiplying the other.
        return (
            super()
            .get_queryset(request)
            .annotate(
                trainer_count=Count("trainers", distinct=True),
                session_count=Count("sessions", distinct=True),
            )
        )

    @admin.display(description=_("téléphone"), ordering="phone")
    def phone_number(self, obj):
        return phone_for_display(obj.phone)

    @admin.display(description=_("intervenants"), ordering="trainer_count")
    def trainer_count(self, obj):
        return obj.trainer_count

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, obj):
        return obj.session_count


@admin.register(Trainer)
class TrainerAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "role", "provider")
    list_display_links = ("last_name", "first_name")
    list_filter = ("provider",)
    list_select_related = ("provider",)
    search_fields = ("last_name", "first_name", "role", "provider__name")


class OpcoContactInline(admin.TabularInline):
    model = OpcoContact
    fields = ("first_name", "last_name", "email", "phone", "region")
    extra = 0


@admin.register(Opco)
class OpcoAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "website")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (OpcoContactInline,)


@admin.register(OpcoContact)
class OpcoContactAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "opco", "email", "phone_number", "region")
    list_display_links = ("last_name", "first_name")
    list_filter = ("opco", "region")
    list_select_related = ("opco",)
    search_fields = ("last_name", "first_name", "email")

    @admin.display(description=_("téléphone"), ordering="phone")
    def phone_number(self, obj):
        return phone_for_display(obj.phone)


@admin.register(FundingPartner)
class FundingPartnerAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("acronym", "name", "website")
    search_fields = ("acronym", "name")


class SessionDayInlineFormSet(forms.BaseInlineFormSet):
    """Checks the submitted days against the deadline submitted with them (the session form's
    values are already on self.instance), with the lifecycle's rules: each day that falls too
    early is marked, the deadline and "no day" errors are the formset's."""

    def clean(self):
        super().clean()
        deadline = self.instance.registration_deadline
        dates = []
        for form in self.forms:
            date = getattr(form, "cleaned_data", {}).get("date")
            if not date or form in self.deleted_forms:
                continue
            try:
                day_check(date=date, deadline=deadline)
            except ValidationError as error:
                form.add_error(None, error)
            dates.append(date)
        try:
            session_check(status=self.instance.status, deadline=deadline, dates=dates)
        except ValidationError as error:
            # A formset's errors are a flat list, not a per-field dict.
            raise ValidationError(error.messages) from error

    def submitted_days(self) -> list[dict]:
        """The days as the lifecycle service takes them (existing ones with their id)."""
        return [
            {"id": form.instance.pk, **{name: form.cleaned_data.get(name) for name in DAY_FIELDS}}
            for form in self.forms
            if form not in self.deleted_forms and (form.instance.pk or form.has_changed())
        ]


class SessionAdminForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        capacity = cleaned_data.get("capacity")
        if self.instance.pk and capacity is not None and "capacity" in self.changed_data:
            # A first check, to show the error on the form; session_change counts again under
            # the session lock when the change is saved.
            try:
                capacity_check_seats(session=self.instance, capacity=capacity)
            except EnrolmentError as error:
                self.add_error("capacity", error.message)
        return cleaned_data


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif, repris dans l'e-mail aux stagiaires (facultatif)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class SessionDayInline(admin.TabularInline):
    model = SessionDay
    formset = SessionDayInlineFormSet
    fields = (
        "date",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
        "title",
        "content",
    )
    formfield_overrides = COMPACT_TEXT

    def get_extra(self, request, obj=None, **kwargs):
        # A new session usually has two days; an existing one already has its days.
        return 2 if obj is None else 0


class EnrolmentInline(admin.TabularInline):
    """Who is enrolled, at a glance. Enrolments are created and changed from their own page,
    not here, so that a session edit never moves seats around."""

    model = Enrolment
    fields = ("trainee", "trainee_email", "status", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("trainee")

    @admin.display(description=_("e-mail"))
    def trainee_email(self, obj):
        return obj.trainee.email


@admin.register(Session)
class SessionAdmin(
    SessionActionsMixin,
    PendingChangeRequestMixin,
    SessionDocumentsMixin,
    SessionAttendanceMixin,
    CheckedRelationsMixin,
    TransitionsGoAlongMixin,
    ServiceErrorsAsMessagesMixin,
    ChangePageActionsMixin,
    admin.ModelAdmin,
):
    form = SessionAdminForm
    list_display = (
        "label",
        "module_number",
        "city",
        "department",
        "region",
        "provider",
        "first_day",
        "registration_deadline",
        "capacity",
        "seats_taken",
        "seats_left",
        "status",
    )
    list_filter = ("status", "module", "region", "provider")
    search_fields = ("city", "label", "provider__name")
    autocomplete_fields = ("provider",)
    filter_horizontal = ("trainers", "partners")
    # The status changes only through the actions (and the change page's buttons), which call
    # the services: publishing needs days, cancelling cancels the enrolments and tells them.
    readonly_fields = (
        "status",
        "published_at",
        "created_at",
        "updated_at",
        "satisfaction",
        "history",
    )
    actions = ("publish_sessions", "cancel_sessions", *SessionActionsMixin.SESSION_LIST_ACTIONS)
    # Change-page buttons: URL suffix -> the action they run on that one session.
    OBJECT_ACTIONS = {"publier": "publish_sessions", "annuler": "cancel_sessions"}
    inlines = (SessionDayInline, EnrolmentInline)
    fieldsets = (
        (None, {"fields": ("module", "provider", "label", "status")}),
        (
            _("Lieu"),
            {
                "fields": (
                    "city",
                    "venue_name",
                    "venue_address",
                    "postcode",
                    "department",
                    "region",
                    "access_notes",
                )
            },
        ),
        (
            _("Inscriptions"),
            {
                "fields": (
                    "registration_deadline",
                    "capacity",
                    "min_participants",
                    "opco_contact",
                )
            },
        ),
        (_("Intervenants et partenaires"), {"fields": ("trainers", "partners")}),
        (
            _("Fiche propre à l'organisme"),
            {
                "classes": ("collapse",),
                "fields": ("context", "objectives", "prerequisites", "inter_session_work"),
            },
        ),
        (_("Suivi"), {"fields": ("published_at", "created_at", "updated_at")}),
        (_("Historique des statuts"), {"fields": ("history",)}),
        (_("Évaluation à chaud"), {"fields": ("satisfaction",)}),
    )

    def get_queryset(self, request):
        # Seats held are counted in a subquery (`seats_held` reads the annotation): no query
        # per row. The joins are made here (the changelist ignores list_select_related once a
        # queryset has some).
        return (
            with_seats_held(super().get_queryset(request))
            .select_related("module", "provider")
            .annotate(first_day_date=day_bounds()["first_date"])
        )

    def save_model(self, request, obj, form, change):
        """Nothing here: the lifecycle service saves the session with its days, trainers and
        partners in one call (save_related), inside the admin's transaction."""

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            # Not saved: this fills what the admin's change message reads.
            formset.save(commit=False)
        days_formset = next(
            (formset for formset in formsets if isinstance(formset, SessionDayInlineFormSet)),
            None,
        )
        days = days_formset.submitted_days() if days_formset is not None else None
        data = form.cleaned_data
        values = {
            "fields": {name: data[name] for name in SESSION_FIELDS if name in data},
            "trainer_ids": [trainer.pk for trainer in data["trainers"]]
            if "trainers" in data
            else None,
            "partner_ids": [partner.pk for partner in data["partners"]]
            if "partners" in data
            else None,
            "by": Actor.staff(request.user),
        }
        if change:
            session_change(session_id=form.instance.pk, days=days, **values)
        else:
            session = session_create(days=days or [], **values)
            # The admin logs and redirects to the object it built: give it the row's id.
            form.instance.pk = session.pk
            form.instance._state.adding = False

    @admin.action(description=_("Publier les sessions sélectionnées"), permissions=["change"])
    def publish_sessions(self, request, queryset):
        published = 0
        for session in queryset:
            try:
                session_publish(session_id=session.pk, by=Actor.staff(request.user))
            except ValidationError as error:
                reason = " ".join(error.messages)
                self.message_user(request, f"{session} : {reason}", messages.ERROR)
            else:
                published += 1
        if published:
            self.message_user(
                request,
                ngettext("%(count)d session publiée.", "%(count)d sessions publiées.", published)
                % {"count": published},
                messages.SUCCESS,
            )

    @admin.action(description=_("Annuler les sessions sélectionnées"), permissions=["change"])
    def cancel_sessions(self, request, queryset):
        """Asks for confirmation and a reason first: every trainee enrolled or waitlisted in
        the sessions gets a mail."""
        confirmed = request.POST.get("confirm") == "yes"
        form = SessionCancelForm(request.POST if confirmed else None)
        if confirmed and form.is_valid():
            cancelled = notified = 0
            for session in queryset:
                try:
                    enrolments = session_cancel(
                        session_id=session.pk,
                        reason=form.cleaned_data["reason"],
                        by=Actor.staff(request.user),
                    )
                except EnrolmentError as error:
                    self.message_user(request, f"{session} : {error.message}", messages.ERROR)
                else:
                    cancelled += 1
                    notified += len(enrolments)
            if cancelled:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d session annulée, %(notified)d stagiaire(s) prévenu(s).",
                        "%(count)d sessions annulées, %(notified)d stagiaire(s) prévenu(s).",
                        cancelled,
                    )
                    % {"count": cancelled, "notified": notified},
                    messages.SUCCESS,
                )
            return None
        sessions = queryset.annotate(
            active_count=Count(
                "enrolments", filter=~Q(enrolments__status__in=Enrolment.INACTIVE), distinct=True
            )
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Annuler des sessions"),
            "opts": self.model._meta,
            "sessions": sessions,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/catalogue/session/cancel_confirmation.html", context
        )

    @admin.display(description=_("réponses au questionnaire de satisfaction"))
    def satisfaction(self, obj):
        summary = satisfaction_summary(session_id=obj.pk) if obj and obj.pk else None
        if not summary or not summary.responses:
            return _("Aucune réponse pour le moment.")
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td></tr>",
            (
                (label, _("%(average)s / 5") % {"average": f"{average:.1f}".replace(".", ",")})
                for label, average in summary.averages
            ),
        )
        return format_html(
            "<p>{}</p><table><tbody>{}"
            "<tr><th scope='row'>{}</th><td>{} %</td></tr></tbody></table>",
            ngettext("%(count)d réponse", "%(count)d réponses", summary.responses)
            % {"count": summary.responses},
            rows,
            _("recommanderaient la formation"),
            summary.recommend_percent,
        )

    @admin.display(description=_("changements"))
    def history(self, obj):
        return session_history(obj)

    def get_ordering(self, request):
        # Latest sessions first, those without days yet on top. An expression rather than the
        # annotation: the choice lists of sessions elsewhere in the admin use this ordering too.
        return (day_bounds()["first_date"].desc(nulls_first=True), "-pk")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "opco_contact":
            # Each contact's label names its OPCO.
            kwargs["queryset"] = OpcoContact.objects.select_related("opco")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("module"), ordering="module__number")
    def module_number(self, obj):
        return _("Module %(number)s") % {"number": obj.module.number}

    @admin.display(description=_("premier jour"), ordering="first_day_date")
    def first_day(self, obj):
        return obj.first_day_date

    @admin.display(description=_("places prises"), ordering="seats_held_count")
    def seats_taken(self, obj):
        return seats_held(obj)

    @admin.display(description=_("places restantes"))
    def seats_left(self, obj):
        return seats_left(obj)


class SessionDayAdminForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        session = cleaned_data.get("session") or getattr(self.instance, "session", None)
        if session is not None:
            try:
                day_check(date=cleaned_data.get("date"), deadline=session.registration_deadline)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned_data


def _day_values(day: SessionDay) -> dict:
    return {"id": day.pk, **{name: getattr(day, name) for name in DAY_FIELDS}}


@admin.register(SessionDay)
class SessionDayAdmin(
    BoundedDatesMixin, CheckedRelationsMixin, ServiceErrorsAsMessagesMixin, admin.ModelAdmin
):
    """One day at a time; saved and deleted as a change of its session's days, through the
    lifecycle service."""

    form = SessionDayAdminForm
    list_display = (
        "date",
        "session",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
    )
    list_filter = ("session__module", "session__region")
    list_select_related = ("session__module",)
    search_fields = ("session__city", "session__label", "title")
    date_hierarchy = "date"
    autocomplete_fields = ("session",)

    def get_readonly_fields(self, request, obj=None):
        # A day belongs to its session: moving it is deleting it here and adding it there.
        return ("session",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        others = [_day_values(day) for day in obj.session.days.all() if day.pk != obj.pk]
        session_change(
            session_id=obj.session_id,
            fields={},
            days=[*others, _day_values(obj)],
            by=Actor.staff(request.user),
        )
        obj.pk = SessionDay.objects.get(session=obj.session_id, date=obj.date).pk

    def delete_model(self, request, obj):
        others = [_day_values(day) for day in obj.session.days.all() if day.pk != obj.pk]
        session_change(
            session_id=obj.session_id, fields={}, days=others, by=Actor.staff(request.user)
        )

    def delete_queryset(self, request, queryset):
        for day in queryset.select_related("session"):
            self.delete_model(request, day)

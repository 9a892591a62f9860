import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalogue.formats import fill_text, short_date, time_text
from catalogue.geography import region_of
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
from catalogue.widgets import TIME_INPUT_FORMATS, FrenchTimeInput
from enrolment.job_selectors import satisfaction_summary
from enrolment.models import Enrolment, SessionChangeRequest
from enrolment.selectors import (
    minimum_counts,
    seats_held,
    seats_left,
    session_under_minimum,
    waitlist_position_expression,
    with_seats_held,
)
from enrolment.services import EnrolmentError
from enrolment.session_services import (
    DAY_FIELDS,
    SESSION_FIELDS,
    capacity_check_seats,
    day_check,
    published_losses,
    session_cancel,
    session_change,
    session_check,
    session_create,
    sessions_left_without_trainers,
)
from enrolment.transitions import Actor

from ..scoping import (
    NationalContentMixin,
    OpcoScopedAdminMixin,
    SessionScopeMixin,
    is_national,
    members_q,
    opco_contacts_q,
    provider_is_theirs,
    providers_q,
    staff_opco,
    trainers_q,
)
from .actions import ChangePageActionsMixin, ServiceErrorsAsMessagesMixin
from .attendance import SessionAttendanceMixin
from .change_requests import PendingChangeRequestMixin
from .changelists import (
    BoundedDatesMixin,
    PendingValidationsFilter,
    SessionWhenFilter,
    ToReviewFilter,
    UnderMinimumFilter,
)
from .documents import SessionDocumentsMixin
from .invitations import MemberInvitationMixin
from .publication import SessionPublicationMixin
from .relations import CheckedRelationsMixin
from .session_actions import SessionActionsMixin
from .transitions import TransitionsGoAlongMixin, session_history

# Long texts edited in table rows stay readable without taking the whole screen.
COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 50})}}
# A website typed without its scheme is an https one (Django 6's default, chosen now).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}

# The fill bar's width in pixels (static/css/admin-sessions.css draws its parts).
FILL_BAR_WIDTH = 60


def session_fill_html(
    *, held: int, capacity: int, minimum: int, under_minimum: bool, cancelled: bool = False
) -> str:
    """A session's fill as one cell: "9 / 12 · min 6" (catalogue.formats.fill_text), a bar with
    the minimum marked (an SVG hidden from screen readers: the text says the same), and "sous le
    minimum" (`under_minimum`: enrolment.selectors.under_minimum's rule) or "complète" in words,
    never by colour alone."""
    text = fill_text(held=held, capacity=capacity, minimum=minimum)
    value = round(FILL_BAR_WIDTH * min(held, capacity) / capacity) if capacity else 0
    mark = round((FILL_BAR_WIDTH - 2) * min(minimum, capacity) / capacity) if capacity else 0
    flag, state = "", "ok"
    if not cancelled and capacity and held >= capacity:
        flag, state = _("complète"), "full"
    elif not cancelled and under_minimum:
        flag, state = _("sous le minimum"), "under"
    bar = format_html(
        '<svg class="fill-bar" width="{w}" height="8" viewBox="0 0 {w} 8" aria-hidden="true" '
        'focusable="false"><rect class="fill-bar-track" width="{w}" height="8"></rect>'
        '<rect class="fill-bar-value fill-bar-value--{state}" width="{value}" height="8"></rect>'
        '<rect class="fill-bar-minimum" x="{mark}" width="2" height="8"></rect></svg>',
        w=FILL_BAR_WIDTH,
        state=state,
        value=value,
        mark=mark,
    )
    if flag:
        return format_html(
            '<span class="session-fill">{} {} <strong class="fill-flag fill-flag--{}">{}</strong>'
            "</span>",
            text,
            bar,
            state,
            flag,
        )
    return format_html('<span class="session-fill">{} {}</span>', text, bar)


class SequenceInline(NationalContentMixin, admin.TabularInline):
    model = Sequence
    fields = ("number", "title", "description")
    formfield_overrides = COMPACT_TEXT
    extra = 0


class ModuleDayInline(NationalContentMixin, admin.TabularInline):
    model = ModuleDay
    fields = ("number", "title", "content")
    formfield_overrides = COMPACT_TEXT
    extra = 0


@admin.register(Module)
class ModuleAdmin(NationalContentMixin, CheckedRelationsMixin, admin.ModelAdmin):
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
class SequenceAdmin(NationalContentMixin, admin.ModelAdmin):
    list_display = ("number", "title", "module")
    list_display_links = ("number", "title")
    list_filter = ("module",)
    list_select_related = ("module",)
    search_fields = ("title", "description")


@admin.register(ModuleDay)
class ModuleDayAdmin(NationalContentMixin, admin.ModelAdmin):
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
class ProviderAdmin(
    OpcoScopedAdminMixin, MemberInvitationMixin, CheckedRelationsMixin, admin.ModelAdmin
):
    opco_scope = providers_q
    opco_owned = True
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

    # An OPCO's staff change, delete and invite only on their OPCO's providers; one they
    # merely run sessions with (another OPCO's) is view-only to them. The invitation page asks
    # has_change_permission too.
    def has_change_permission(self, request, obj=None):
        return provider_is_theirs(request.user, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return provider_is_theirs(request.user, obj) and super().has_delete_permission(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "members" and formfield is not None:
            # Members are the provider's people, never staff (nor superusers).
            formfield.queryset = formfield.queryset.filter(members_q())
        return formfield

    @admin.display(description=_("intervenants"), ordering="trainer_count")
    def trainer_count(self, obj):
        return obj.trainer_count

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, obj):
        return obj.session_count


@admin.register(Trainer)
class TrainerAdmin(OpcoScopedAdminMixin, admin.ModelAdmin):
    opco_scope = trainers_q
    list_display = ("last_name", "first_name", "role", "provider")
    list_display_links = ("last_name", "first_name")
    list_filter = ("provider",)
    list_select_related = ("provider",)
    search_fields = ("last_name", "first_name", "role", "provider__name")

    # A trainer is an OPCO's staff's to change or delete only if its provider is their OPCO's;
    # another OPCO's provider's trainer (named on one of their sessions) is view-only.
    def has_change_permission(self, request, obj=None):
        return (
            obj is None or provider_is_theirs(request.user, obj.provider)
        ) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (
            obj is None or provider_is_theirs(request.user, obj.provider)
        ) and super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # A published session keeps at least one trainer: deleting its last ones is refused,
        # as Django refuses to delete a protected row (the page lists the sessions).
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        sessions = sessions_left_without_trainers(obj.pk for obj in objs)
        protected = [
            *protected,
            *(
                _("%(session)s (session publiée\u00a0: elle n'aurait plus d'intervenant)")
                % {"session": session}
                for session in sessions.select_related("module")
            ),
        ]
        return deleted, counts, perms_needed, protected

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "provider" and formfield is not None and not is_national(request.user):
            # A trainer is added to one of their OPCO's providers only.
            opco = staff_opco(request.user)
            formfield.queryset = formfield.queryset.filter(opco=opco)
        return formfield


class OpcoContactInline(OpcoScopedAdminMixin, admin.TabularInline):
    opco_scope = opco_contacts_q
    model = OpcoContact
    fields = ("first_name", "last_name", "email", "phone", "region")
    extra = 0


@admin.register(Opco)
class OpcoAdmin(NationalContentMixin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "website")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (OpcoContactInline,)


@admin.register(OpcoContact)
class OpcoContactAdmin(OpcoScopedAdminMixin, admin.ModelAdmin):
    opco_scope = opco_contacts_q
    opco_owned = True
    list_display = ("last_name", "first_name", "opco", "email", "phone_number", "region")
    list_display_links = ("last_name", "first_name")
    list_filter = ("opco", "region")
    list_select_related = ("opco",)
    search_fields = ("last_name", "first_name", "email")

    @admin.display(description=_("téléphone"), ordering="phone")
    def phone_number(self, obj):
        return phone_for_display(obj.phone)


@admin.register(FundingPartner)
class FundingPartnerAdmin(NationalContentMixin, admin.ModelAdmin):
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
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The department gives the region: staff choose one only where they want to.
        if "region" in self.fields:
            self.fields["region"].required = False
            self.fields["region"].help_text = _("Laissée vide, c'est celle du département.")

    def clean(self):
        cleaned_data = super().clean()
        department = cleaned_data.get("department")
        if "region" in self.fields and not cleaned_data.get("region") and department:
            cleaned_data["region"] = region_of(department)
            # The model's own checks (region against department) read the instance.
            self.instance.region = cleaned_data["region"]
        capacity = cleaned_data.get("capacity")
        if self.instance.pk and capacity is not None and "capacity" in self.changed_data:
            # A first check, to show the error on the form; session_change counts again under
            # the session lock when the change is saved.
            try:
                capacity_check_seats(session=self.instance, capacity=capacity)
            except EnrolmentError as error:
                self.add_error("capacity", error.message)
        self._published_losses_check(cleaned_data)
        return cleaned_data

    def _published_losses_check(self, cleaned_data):
        # A published session keeps what its publication required (the days are the days
        # formset's check); session_change checks again under the session lock.
        session = self.instance
        if session.pk is None:
            return

        def value(name):
            return cleaned_data[name] if name in cleaned_data else getattr(session, name)

        trainers = cleaned_data.get("trainers")
        contact = value("opco_contact")
        losses = published_losses(
            session,
            venue_address=value("venue_address"),
            has_days=bool(session.days.all()),
            opco_contact_id=contact.pk if contact is not None else None,
            has_trainers=bool(trainers) if trainers is not None else bool(session.trainers.all()),
            deadline=value("registration_deadline"),
        )
        for field, message in losses.items():
            self.add_error(field if field in self.fields else None, message)


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif, repris dans l'e-mail aux stagiaires (facultatif)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


# The usual hours of a training day, offered in every new day row.
USUAL_HOURS = {
    "morning_start": datetime.time(9, 0),
    "morning_end": datetime.time(12, 30),
    "afternoon_start": datetime.time(13, 30),
    "afternoon_end": datetime.time(17, 0),
}


class SessionDayInlineForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # Initial values, not data: a new row left without its date stays unchanged and
            # is not saved.
            for name, value in USUAL_HOURS.items():
                self.initial.setdefault(name, value)
        for name in USUAL_HOURS:
            if name in self.fields:
                # Shown as "9 h 00"; typed as staff write them too ("9h", "9:00", "13h30").
                field = self.fields[name]
                field.input_formats = TIME_INPUT_FORMATS
                field.widget = FrenchTimeInput()


class SessionDayInline(admin.TabularInline):
    model = SessionDay
    form = SessionDayInlineForm
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
    fields = ("trainee", "trainee_email", "status", "position", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj):
        return False

    def get_queryset(self, request):
        # The waiting list in its order, after the others.
        return (
            super()
            .get_queryset(request)
            .select_related("trainee")
            .annotate(waitlist_position=waitlist_position_expression())
            .order_by(F("waitlist_position").asc(nulls_first=True), "created_at", "pk")
        )

    @admin.display(description=_("liste d'attente"))
    def position(self, obj):
        if obj.waitlist_position is None:
            return "—"
        return _("position %(position)d") % {"position": obj.waitlist_position}

    @admin.display(description=_("e-mail"))
    def trainee_email(self, obj):
        return obj.trainee.email


@admin.register(Session)
class SessionAdmin(
    SessionScopeMixin,
    SessionPublicationMixin,
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
    # Readable at 1366 px without scrolling: one column per question staff ask of a session.
    list_display = (
        "label",
        "module_number",
        "provider",
        "city",
        "first_day",
        "deadline_state",
        "status_display",
        "fill",
    )
    list_filter = (
        SessionWhenFilter,
        ToReviewFilter,
        "status",
        UnderMinimumFilter,
        PendingValidationsFilter,
        "module",
        "region",
        "provider",
    )
    search_fields = (
        "city",
        "label",
        "reference",
        "venue_name",
        "postcode",
        "provider__name",
    )
    change_list_template = "admin/catalogue/session/change_list.html"
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
    # The days come right after the place (the change form's template puts them there).
    inlines = (SessionDayInline, EnrolmentInline)
    fieldsets = (
        (None, {"fields": ("module", "provider", "label", "reference", "status")}),
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
            _("Contact handicap propre à la session"),
            {
                "classes": ("collapse",),
                "fields": (
                    "disability_contact_name",
                    "disability_contact_email",
                    "disability_contact_phone",
                ),
            },
        ),
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
        # Seats held, and the confirmed and pending trainees the minimum counts, are counted in
        # subqueries (`seats_held` and `session_under_minimum` read the annotations): no query
        # per row, no join to multiply them. The joins are made here (the changelist ignores
        # list_select_related once a queryset has some).
        bounds = day_bounds()
        return (
            with_seats_held(super().get_queryset(request))
            .select_related("module", "provider")
            .annotate(**minimum_counts())
            .annotate(
                first_day_date=bounds["first_date"],
                last_day_date=bounds["last_date"],
                has_pending_enrolments=Exists(
                    Enrolment.objects.filter(
                        session=OuterRef("pk"), status=Enrolment.Status.PENDING
                    )
                ),
                has_pending_change=Exists(
                    SessionChangeRequest.objects.filter(
                        session=OuterRef("pk"), status=SessionChangeRequest.Status.PENDING
                    )
                ),
            )
        )

    # The fieldset after which the change form's template shows the days.
    DAYS_AFTER_FIELDSET = _("Lieu")

    def view_on_site(self, obj):
        """The public page, once there is one (published, or cancelled after publication, as
        catalogue.selectors.PUBLIC says); before, the "Aperçu public" button shows it."""
        if obj.status == Session.Status.PUBLISHED or (
            obj.status == Session.Status.CANCELLED and obj.published_at is not None
        ):
            return obj.get_absolute_url()
        return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        names = [name for name, _options in self.get_fieldsets(request, obj)]
        context["days_after_fieldset"] = (
            self.DAYS_AFTER_FIELDSET if self.DAYS_AFTER_FIELDSET in names else None
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

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

    @admin.action(
        description=_("Annuler les sessions sélectionnées (prévenir les stagiaires)…"),
        permissions=["change"],
    )
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
            "title": ngettext(
                "Annuler la session (prévenir les stagiaires)",
                "Annuler les sessions (prévenir les stagiaires)",
                len(sessions),
            ),
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
        # Soonest first (latest first among past sessions), those without days yet on top. An
        # expression rather than the annotation: the choice lists of sessions elsewhere in the
        # admin use this ordering too.
        first_date = day_bounds()["first_date"]
        if request.GET.get(SessionWhenFilter.parameter_name) == SessionWhenFilter.PAST:
            return (first_date.desc(nulls_first=True), "-pk")
        return (first_date.asc(nulls_first=True), "pk")

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
        # "1er mai 2027", as the dashboard and the pages write it (Django's format says "1 mai").
        return short_date(obj.first_day_date) if obj.first_day_date else None

    @admin.display(description=_("places prises"), ordering="seats_held_count")
    def seats_taken(self, obj):
        return seats_held(obj)

    @admin.display(description=_("places restantes"))
    def seats_left(self, obj):
        return seats_left(obj)

    @admin.display(description=_("inscriptions"), ordering="registration_deadline")
    def deadline_state(self, obj):
        """Until when one may enrol (the deadline, else the day before the first day)."""
        if obj.status == Session.Status.CANCELLED:
            return "—"
        closes_on = obj.registration_deadline or (
            obj.first_day_date - datetime.timedelta(days=1) if obj.first_day_date else None
        )
        if closes_on is None:
            return _("sans date")
        today = timezone.localdate()
        date = short_date(closes_on)
        if closes_on.year == today.year:
            date = date.removesuffix(f" {closes_on.year}")
        if closes_on >= today:
            return _("ouvertes jusqu'au %(date)s") % {"date": date}
        return _("closes le %(date)s") % {"date": date}

    @admin.display(description=_("statut"), ordering="status")
    def status_display(self, obj):
        status = obj.get_status_display()
        if obj.status == Session.Status.SUBMITTED and obj.published_at is None:
            return format_html("{}<br><small>{}</small>", status, _("nouvelle, à examiner"))
        if obj.has_pending_change:
            return format_html("{}<br><small>{}</small>", status, _("modification à examiner"))
        if obj.has_pending_enrolments:
            return format_html("{}<br><small>{}</small>", status, _("inscriptions à valider"))
        return status

    @admin.display(description=_("remplissage"), ordering="seats_held_count")
    def fill(self, obj):
        """ "9 / 12 · min 6", a bar (the text says it all: the bar is hidden from screen
        readers) and "sous le minimum" in words."""
        return session_fill_html(
            held=seats_held(obj),
            capacity=obj.capacity,
            minimum=obj.min_participants,
            under_minimum=session_under_minimum(obj),
            cancelled=obj.status == Session.Status.CANCELLED,
        )


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


def _half_day_display(start: datetime.time | None, end: datetime.time | None) -> str:
    """ "9 h – 12 h 30" (catalogue.formats.time_text, as the fiche writes times), or a dash for
    a half-day without session."""
    if start is None or end is None:
        return "—"
    return f"{time_text(start)} – {time_text(end)}"


def _day_values(day: SessionDay) -> dict:
    return {"id": day.pk, **{name: getattr(day, name) for name in DAY_FIELDS}}


@admin.register(SessionDay)
class SessionDayAdmin(
    OpcoScopedAdminMixin,
    BoundedDatesMixin,
    CheckedRelationsMixin,
    ServiceErrorsAsMessagesMixin,
    admin.ModelAdmin,
):
    """One day at a time; saved and deleted as a change of its session's days, through the
    lifecycle service."""

    session_path = "session__"
    form = SessionDayAdminForm
    list_display = ("date", "session", "morning", "afternoon")
    list_filter = ("session__module", "session__region")
    list_select_related = ("session__module",)
    search_fields = ("session__city", "session__label", "title")
    date_hierarchy = "date"
    autocomplete_fields = ("session",)

    @admin.display(description=_("matin"), ordering="morning_start")
    def morning(self, obj):
        return _half_day_display(obj.morning_start, obj.morning_end)

    @admin.display(description=_("après-midi"), ordering="afternoon_start")
    def afternoon(self, obj):
        return _half_day_display(obj.afternoon_start, obj.afternoon_end)

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

"""Each OPCO its own programme: which sessions (and what hangs from them) a staff account sees.

A staff account either belongs to the national administration (superusers and members of the
"Administration nationale" group: they see everything and edit the national content) or to one
OPCO (its `OpcoStaff` row): it sees and changes only the sessions whose OPCO is theirs, and
what hangs from them. A staff account with neither sees no session at all.

The answers are cached on the user object for the request (the admin asks many times).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.permissions import NATIONAL_ADMIN_GROUP
from catalogue.models import Opco, OpcoStaff, Provider, Session
from enrolment.models import Enrolment, ReminderSubscription, SessionChangeRequest, Trainee

_NATIONAL = "_scoping_is_national"
_OPCO = "_scoping_opco"


def is_national(user) -> bool:
    """True for a superuser or a member of the "Administration nationale" group: no OPCO limit,
    and the national content (modules, OPCOs, partners...) is theirs to edit."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, _NATIONAL, None)
    if cached is None:
        cached = user.groups.filter(name=NATIONAL_ADMIN_GROUP).exists()
        setattr(user, _NATIONAL, cached)
    return cached


def staff_opco(user) -> Opco | None:
    """The OPCO whose programme `user` manages; None for the national administration (who sees
    everything) and for an account with no OPCO (who sees nothing: `session_scope_q` tells them
    apart)."""
    if is_national(user) or not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, _OPCO):
        membership = OpcoStaff.objects.filter(user=user).select_related("opco").first()
        setattr(user, _OPCO, membership.opco if membership else None)
    return getattr(user, _OPCO)


def session_scope_q(user, prefix: str = "") -> Q:
    """The sessions `user` may see, as a filter on a model reaching a session through `prefix`
    (``"session__"`` from an enrolment, ``"enrolment__session__"`` from an attendance...).

    Q() for the national administration; the OPCO's sessions for an OPCO's staff; nothing for
    a staff account with no OPCO."""
    if is_national(user):
        return Q()
    opco = staff_opco(user)
    if opco is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}opco": opco})


# The admin ---------------------------------------------------------------------------------


# What an OPCO's staff see of each model, beyond the sessions (`session_scope_q`).


def providers_q(opco: Opco) -> Q:
    """Providers attached to the OPCO, or running one of its sessions."""
    return Q(opco=opco) | Q(pk__in=Session.objects.filter(opco=opco).values("provider"))


def provider_is_theirs(user, provider: Provider | None) -> bool:
    """Whether `user` may change, delete or invite on `provider` (None: the page of no row in
    particular). A provider another OPCO is attached to stays theirs to change, even when it
    runs one of this OPCO's sessions: an OPCO's staff only look at it (`providers_q`)."""
    if provider is None or is_national(user):
        return True
    opco = staff_opco(user)
    return opco is not None and provider.opco_id == opco.pk


def trainers_q(opco: Opco) -> Q:
    """Trainers of those providers, or named on one of its sessions."""
    return Q(provider__in=Provider.objects.filter(providers_q(opco)).values("pk")) | Q(
        pk__in=Session.trainers.through.objects.filter(session__opco=opco).values("trainer")
    )


def opco_contacts_q(opco: Opco) -> Q:
    return Q(opco=opco)


def _enrolments(opco: Opco):
    return Enrolment.objects.filter(session__opco=opco)


def trainees_q(opco: Opco) -> Q:
    """Trainees with an enrolment in one of its sessions."""
    return Q(pk__in=_enrolments(opco).values("trainee"))


def employers_q(opco: Opco) -> Q:
    """Employers named on an enrolment in one of its sessions, or of such a trainee."""
    return Q(pk__in=_enrolments(opco).values("employer")) | Q(
        pk__in=Trainee.objects.filter(trainees_q(opco)).values("employer")
    )


def opco_staff_q(opco: Opco) -> Q:
    """Its own staff's memberships."""
    return Q(opco=opco)


def members_q() -> Q:
    """The accounts that may be a provider's members: never staff (an OPCO's staff who joined
    a provider's space would see every session of the provider, another OPCO's too)."""
    return Q(is_staff=False, is_superuser=False)


def users_q(opco: Opco) -> Q:
    """Accounts: its own staff, the members of the providers it sees, and the accounts of no
    one (neither staff nor any provider's member), which staff may attach to a provider."""
    memberships = Provider.members.through.objects
    return (
        Q(pk__in=OpcoStaff.objects.filter(opco=opco).values("user"))
        | Q(
            pk__in=memberships.filter(
                provider__in=Provider.objects.filter(providers_q(opco)).values("pk")
            ).values("user")
        )
        | (members_q() & ~Q(pk__in=memberships.values("user")))
    )


def mails_q(opco: Opco) -> Q:
    """Mails about one of its sessions, their enrolments, reminder subscriptions and change
    requests, or about a provider it sees; every other mail (a password reset...) is hidden."""
    about = {
        Session: Session.objects.filter(opco=opco),
        Enrolment: _enrolments(opco),
        ReminderSubscription: ReminderSubscription.objects.filter(session__opco=opco),
        SessionChangeRequest: SessionChangeRequest.objects.filter(session__opco=opco),
        Provider: Provider.objects.filter(providers_q(opco)),
    }
    # The content types by their names, joined in the query: no lookup of them first.
    q = Q(pk__in=[])
    for model, rows in about.items():
        q |= Q(
            content_type__app_label=model._meta.app_label,
            content_type__model=model._meta.model_name,
            object_id__in=rows.values("pk"),
        )
    return q


class OpcoScopedAdminMixin:
    """For a ModelAdmin (or inline) whose rows belong to an OPCO's programme: an OPCO's staff
    see only their OPCO's rows (another OPCO's answer 404 on every page that reads
    `get_queryset`: change, delete, history, the custom URLs that call `get_object`, the
    autocomplete and raw-id lookups), and the choices of the form's relations are narrowed by
    their own admins' scopes.

    `session_path`: the lookup from the model to a session ("" for a session, "session__" from
    an enrolment); or `opco_scope`: one of the functions above, opco -> Q."""

    session_path: str | None = None
    opco_scope = None
    # The model's `opco` names the OPCO that owns the row (a provider's, a contact's): shown,
    # read-only to an OPCO's staff, and set to theirs on the rows they add.
    opco_owned = False

    def opco_scope_q(self, opco: Opco) -> Q:
        if self.opco_scope is not None:
            return type(self).opco_scope(opco)
        if self.session_path is None:
            raise NotImplementedError(f"{type(self).__name__}: no session_path nor opco_scope")
        return Q(**{f"{self.session_path}opco": opco})

    def scope_queryset(self, request, queryset):
        user = request.user
        if is_national(user):
            return queryset
        opco = staff_opco(user)
        if opco is None:
            return queryset.filter(pk__in=[])
        return queryset.filter(self.opco_scope_q(opco))

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another OPCO's object answers as a missing one does, with a 404 (Django's admin
        # would redirect to its index, saying the object "may have been deleted").
        raise Http404(_("Aucun élément à cette adresse."))

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.opco_owned and fieldsets:
            shown = {name for _title, options in fieldsets for name in options.get("fields", ())}
            if "opco" not in shown:
                title, options = fieldsets[0]
                fieldsets[0] = (title, {**options, "fields": (*options["fields"], "opco")})
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if self.opco_owned and not is_national(request.user) and "opco" not in readonly:
            readonly = (*readonly, "opco")
        return readonly

    def save_model(self, request, obj, form, change):
        if self.opco_owned and not change and not is_national(request.user):
            obj.opco = staff_opco(request.user)
        super().save_model(request, obj, form, change)

    def get_list_filter(self, request):
        # A filter on a scoped relation (a session's provider) offers only the rows of this
        # list, not every OPCO's.
        filters = super().get_list_filter(request)
        if is_national(request.user):
            return filters
        return [self._scoped_filter(item) for item in filters]

    def _scoped_filter(self, item):
        if not isinstance(item, str) or LOOKUP_SEP in item:
            return item
        try:
            field = self.model._meta.get_field(item)
        except FieldDoesNotExist:
            return item
        related_admin = (
            self.admin_site._registry.get(field.related_model) if field.is_relation else None
        )
        if field.many_to_one and isinstance(related_admin, OpcoScopedAdminMixin):
            return (item, admin.RelatedOnlyFieldListFilter)
        return item

    def _scoped_choices(self, db_field, request, kwargs):
        if "queryset" in kwargs and kwargs["queryset"] is None:
            return
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if not isinstance(related_admin, OpcoScopedAdminMixin):
            return
        queryset = kwargs.get("queryset")
        if queryset is None:
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(kwargs.get("using"))
        kwargs["queryset"] = related_admin.scope_queryset(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._scoped_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class NationalContentMixin:
    """For the national content (modules, sequences, OPCOs, partners, staff memberships):
    OPCO staff only look; superusers and the national administration edit."""

    def has_add_permission(self, request, *args, **kwargs):
        return is_national(request.user) and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return is_national(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_national(request.user) and super().has_delete_permission(request, obj)


class SessionScopeMixin(OpcoScopedAdminMixin):
    """The session admin: an OPCO's staff see their OPCO's sessions, and a session they create
    or save is their OPCO's (the field is shown, read-only to them); the national
    administration chooses it, and a session left without one takes its contact's OPCO."""

    session_path = ""

    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = list(options.get("fields", ()))
            if "opco_contact" in fields and "opco" not in fields:
                fields.insert(fields.index("opco_contact"), "opco")
                options = {**options, "fields": tuple(fields)}
            fieldsets.append((name, options))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not is_national(request.user) and "opco" not in readonly:
            readonly = (*readonly, "opco")
        return readonly

    def save_form(self, request, form, change):
        # Read by save_related, which hands SESSION_FIELDS (opco among them) to the services.
        data = form.cleaned_data
        if not is_national(request.user):
            data["opco"] = staff_opco(request.user)
        elif data.get("opco") is None and data.get("opco_contact") is not None:
            data["opco"] = data["opco_contact"].opco
        return super().save_form(request, form, change)

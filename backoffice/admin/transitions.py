"""The transition log in the admin: the status history on the change pages of sessions and
enrolments, and a read-only list of every change. The rows are written by the services only
(enrolment.transitions); nothing here adds, edits or deletes one, so the admin keeps no history
line (LogEntry) about them either.

The change pages import their history from here, which registers TransitionAdmin."""

from django.contrib import admin
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Session
from enrolment.models import Enrolment, Transition

from ..scoping import OpcoScopedAdminMixin
from .changelists import BoundedDatesMixin
from .readonly import ReadOnlyAdminMixin

ENROLMENT_STATUSES = dict(Enrolment.Status.choices)
SESSION_STATUSES = dict(Session.Status.choices)


def status_label(transition: Transition, status: str) -> str:
    """A status in words: an enrolment's or a session's, "création" for none."""
    if not status:
        return str(_("création"))
    labels = ENROLMENT_STATUSES if transition.enrolment_id else SESSION_STATUSES
    return str(labels.get(status, status))


def change_label(transition: Transition) -> str:
    before = status_label(transition, transition.from_status)
    return f"{before} → {status_label(transition, transition.to_status)}"


def actor_label(transition: Transition) -> str:
    """Who made the change: the account and its role, the trainee's link, or the job. Reads
    `transition.actor`: select it with the rows."""
    role = transition.get_actor_kind_display()
    if transition.actor_kind == Transition.ActorKind.TRAINEE:
        return role
    if transition.actor_kind == Transition.ActorKind.JOB:
        return f"{role} : {transition.actor_label}"
    if transition.actor is None:
        return _("%(role)s (compte supprimé)") % {"role": role}
    return f"{transition.actor} ({role})"


def _history_table(transitions: QuerySet[Transition], *, caption: str) -> str:
    rows = [
        {
            "at": timezone.localtime(transition.at),
            "change": change_label(transition),
            "actor": actor_label(transition),
            "reason": transition.reason,
        }
        # One query: the actors come with the rows; oldest first (the model's ordering).
        for transition in transitions.select_related("actor").order_by("at", "pk")
    ]
    return render_to_string(
        "admin/enrolment/transition_history.html", {"rows": rows, "caption": caption}
    )


def session_history(session: Session | None) -> str:
    """The table of a session's own status changes (its enrolments' are on their pages)."""
    if session is None or session.pk is None:
        return _history_table(Transition.objects.none(), caption="")
    return _history_table(
        Transition.objects.filter(session=session.pk, enrolment=None),
        caption=_("Statuts de la session, du plus ancien au plus récent"),
    )


def enrolment_history(enrolment: Enrolment | None) -> str:
    """The table of an enrolment's status changes."""
    if enrolment is None or enrolment.pk is None:
        return _history_table(Transition.objects.none(), caption="")
    return _history_table(
        Transition.objects.filter(enrolment=enrolment.pk),
        caption=_("Statuts de l'inscription, du plus ancien au plus récent"),
    )


class TransitionsGoAlongMixin:
    """For the admins whose rows take their status log along when deleted (sessions,
    enrolments, trainees). A transition is never deleted on its own (TransitionAdmin says no),
    which Django would read as "this deletion needs a permission you lack" for its session or
    enrolment too; whoever may delete those may let their log go with them."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(Transition._meta.verbose_name)
        return deleted, counts, perms_needed, protected


class StatusFilter(admin.SimpleListFilter):
    """The new status, a session's or an enrolment's (the field has no choices: it holds
    both)."""

    title = _("nouveau statut")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [
            *(
                (f"session:{value}", _("Session\u00a0: %(label)s") % {"label": label})
                for value, label in Session.Status.choices
            ),
            *(
                (f"inscription:{value}", _("Inscription\u00a0: %(label)s") % {"label": label})
                for value, label in Enrolment.Status.choices
            ),
        ]

    def queryset(self, request, queryset):
        about, _sep, status = (self.value() or "").partition(":")
        if about == "session":
            return queryset.filter(enrolment=None, to_status=status)
        if about == "inscription":
            return queryset.filter(enrolment__isnull=False, to_status=status)
        return queryset


@admin.register(Transition)
class TransitionAdmin(
    ReadOnlyAdminMixin, OpcoScopedAdminMixin, BoundedDatesMixin, admin.ModelAdmin
):
    """Every status change, newest first, to answer "who did this, and when". Read-only: the
    log is what the services wrote."""

    session_path = "session__"
    list_display = ("at", "session", "trainee", "change", "actor_display", "reason")
    list_filter = ("actor_kind", StatusFilter)
    list_select_related = ("session__module", "enrolment__trainee", "actor")
    search_fields = ("session__city", "session__label")
    date_hierarchy = "at"
    ordering = ("-at", "-pk")
    fields = ("at", "session", "trainee", "change", "actor_display", "reason")
    readonly_fields = fields

    @admin.display(description=_("stagiaire"), ordering="enrolment__trainee__last_name")
    def trainee(self, obj):
        # A session's own change has no trainee.
        return obj.enrolment.trainee if obj.enrolment_id else "—"

    @admin.display(description=_("changement"))
    def change(self, obj):
        return change_label(obj)

    @admin.display(description=_("par"), ordering="actor_kind")
    def actor_display(self, obj):
        return actor_label(obj)

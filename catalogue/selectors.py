"""Reads of the public catalogue. Each page's queries are built here with their joins,
prefetches and annotations, so a page costs the same number of queries whatever the number
of sessions."""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enrolment.models import Enrolment

from .formats import long_date
from .models import Module, ModuleDay, Provider, Sequence, Session, SessionDay
from .search import search_city, search_sessions

# Public: published, or cancelled after having been published (its page says so).
PUBLIC = Q(status=Session.Status.PUBLISHED) | Q(
    status=Session.Status.CANCELLED, published_at__isnull=False
)


def day_bounds() -> dict[str, Subquery]:
    """`first_date` and `last_date` of each session, as subqueries (no join to multiply)."""
    days = SessionDay.objects.filter(session=OuterRef("pk")).order_by().values("session")
    return {
        "first_date": Subquery(days.annotate(d=Min("date")).values("d")),
        "last_date": Subquery(days.annotate(d=Max("date")).values("d")),
    }


def seats_taken() -> Coalesce:
    """Seats held in each session, as a subquery."""
    # The seat rule of Session.seats_taken and the services (seat_holding_q): a seat kept for
    # an outstanding waiting-list offer is taken too.
    taken = (
        Enrolment.objects.holding_seat()
        .filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(taken, output_field=IntegerField()), 0)


def public_sessions() -> QuerySet[Session]:
    """Public sessions with `first_date`, `last_date` and `seats_taken_count` (read by
    Session.seats_taken) annotated, module and provider joined, days prefetched."""
    return (
        Session.objects.filter(PUBLIC)
        .annotate(seats_taken_count=seats_taken(), **day_bounds())
        .select_related("module", "provider")
        .prefetch_related(Prefetch("days", queryset=SessionDay.objects.order_by("date")))
    )


def upcoming_sessions(*, today: datetime.date | None = None) -> QuerySet[Session]:
    """The catalogue: published sessions that have not ended, soonest first."""
    today = today or timezone.localdate()
    return (
        public_sessions()
        .filter(status=Session.Status.PUBLISHED, last_date__gte=today)
        .order_by("first_date", "pk")
    )


def past_sessions(*, today: datetime.date | None = None) -> QuerySet[Session]:
    """The archives: published sessions that have ended, latest first."""
    today = today or timezone.localdate()
    return (
        public_sessions()
        .filter(status=Session.Status.PUBLISHED, last_date__lt=today)
        .order_by("-first_date", "-pk")
    )


def sessions_filter(
    queryset: QuerySet[Session], *, filters: dict, today: datetime.date | None = None
) -> QuerySet[Session]:
    """Narrow a public_sessions() queryset with CatalogueFilterForm's cleaned data."""
    today = today or timezone.localdate()
    if filters.get("module"):
        queryset = queryset.filter(module=filters["module"])
    if filters.get("provider"):
        queryset = queryset.filter(provider=filters["provider"])
    if filters.get("region"):
        queryset = queryset.filter(region=filters["region"])
    if filters.get("department"):
        queryset = queryset.filter(department=filters["department"])
    if filters.get("city"):
        queryset = search_city(queryset, filters["city"])
    if filters.get("month"):
        start = filters["month"]
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        queryset = queryset.filter(first_date__gte=start, first_date__lt=end)
    if filters.get("available"):
        # Seats left and registration still open (same rule as Session.is_registration_open).
        queryset = queryset.filter(
            Q(registration_deadline__gte=today)
            | Q(registration_deadline__isnull=True, first_date__gt=today),
            status=Session.Status.PUBLISHED,
            seats_taken_count__lt=F("capacity"),
        )
    if filters.get("q"):
        queryset = search_sessions(queryset, filters["q"])
    return queryset


def session_page(pk: int) -> Session | None:
    """A public session with everything its fiche shows, or None."""
    return (
        public_sessions()
        .select_related("opco_contact__opco")
        .prefetch_related(
            "trainers",
            "partners",
            Prefetch("module__days", queryset=ModuleDay.objects.order_by("number")),
            Prefetch("module__sequences", queryset=Sequence.objects.order_by("number")),
        )
        .filter(pk=pk)
        .first()
    )


def session_programme(session: Session) -> list[dict]:
    """The day-by-day programme: each day's own title and content, else the module's day of
    the same rank. Reads prefetched days only."""
    module_days = {day.number: day for day in session.module.days.all()}
    programme = []
    for number, day in enumerate(session.sorted_days, start=1):
        module_day = module_days.get(number)
        if day.title or day.content:
            title = day.title or (module_day.title if module_day else "")
            content = day.content
        else:
            title = module_day.title if module_day else ""
            content = module_day.content if module_day else ""
        programme.append({"number": number, "day": day, "title": title, "content": content})
    return programme


def sessions_of_module(
    module: Module, *, exclude: Session | None = None, limit: int | None = None
) -> QuerySet[Session]:
    sessions = upcoming_sessions().filter(module=module)
    if exclude is not None:
        sessions = sessions.exclude(pk=exclude.pk)
    return sessions[:limit] if limit else sessions


def modules_with_sequences() -> QuerySet[Module]:
    """The modules with their sequences and their number of upcoming sessions."""
    today = timezone.localdate()
    upcoming = (
        Session.objects.filter(module=OuterRef("pk"), status=Session.Status.PUBLISHED)
        .annotate(last_date=day_bounds()["last_date"])
        .filter(last_date__gte=today)
        .order_by()
        .values("module")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Module.objects.annotate(
        upcoming_count=Coalesce(Subquery(upcoming, output_field=IntegerField()), 0)
    ).prefetch_related(
        Prefetch("sequences", queryset=Sequence.objects.order_by("number")),
        "prerequisite_modules",
    )


def module_page(slug: str) -> Module | None:
    return (
        Module.objects.prefetch_related(
            Prefetch("sequences", queryset=Sequence.objects.order_by("number")),
            Prefetch("days", queryset=ModuleDay.objects.order_by("number")),
            "prerequisite_modules",
        )
        .filter(slug=slug)
        .first()
    )


def provider_page(slug: str) -> Provider | None:
    return Provider.objects.filter(slug=slug).first()


def regions_with_upcoming_sessions() -> list[dict]:
    """[{"region": ..., "count": n}] for the regions that have upcoming sessions."""
    today = timezone.localdate()
    return list(
        Session.objects.filter(status=Session.Status.PUBLISHED)
        .annotate(last_date=day_bounds()["last_date"])
        .filter(last_date__gte=today)
        .order_by()
        .values("region")
        .annotate(count=Count("pk"))
        .order_by("region")
    )


@dataclass(frozen=True)
class RegistrationState:
    """Where registration stands for a session, in words: `code` is one of open,
    waiting_list, closed, cancelled, past; `can_enrol` shows the "S'inscrire" button."""

    code: str
    text: str
    can_enrol: bool


def session_registration_state(
    session: Session, *, today: datetime.date | None = None
) -> RegistrationState:
    today = today or timezone.localdate()
    if session.status == Session.Status.CANCELLED:
        return RegistrationState("cancelled", _("Session annulée : elle n'aura pas lieu."), False)
    last_day = session.last_day
    if last_day and last_day < today:
        return RegistrationState("past", _("Session terminée."), False)
    closes_on = session.registration_closes_on
    if session.status != Session.Status.PUBLISHED or not closes_on or closes_on < today:
        text = _("Inscriptions closes.")
        if closes_on:
            text = _("Inscriptions closes (date limite : %(date)s).") % {
                "date": long_date(closes_on)
            }
        return RegistrationState("closed", text, False)
    if session.is_full:
        text = _("Complet : inscription sur liste d'attente jusqu'au %(date)s inclus.") % {
            "date": long_date(closes_on)
        }
        return RegistrationState("waiting_list", text, True)
    seats = ngettext(
        "%(n)d place disponible sur %(capacity)d",
        "%(n)d places disponibles sur %(capacity)d",
        session.seats_left,
    ) % {"n": session.seats_left, "capacity": session.capacity}
    text = _("Inscriptions ouvertes jusqu'au %(date)s inclus : %(seats)s.") % {
        "date": long_date(closes_on),
        "seats": seats,
    }
    return RegistrationState("open", text, True)

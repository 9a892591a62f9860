"""Reads of the public pages that show seats. Each page's queries are built here with their
joins, prefetches and annotations, so a page costs the same number of queries whatever the
number of sessions. The rules (seats, registration) are the enrolment selectors'."""

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from catalogue.models import Module, ModuleDay, Sequence, Session, SessionDay
from catalogue.search import search_city, search_sessions
from catalogue.selectors import PUBLIC, day_bounds
from enrolment.selectors import registration_open_q, seats_left_q, with_seats_held


def public_sessions() -> QuerySet[Session]:
    """Public sessions with `first_date`, `last_date` and `seats_held_count` (read by
    enrolment.selectors.seats_held) annotated, module and provider joined, days prefetched."""
    return (
        with_seats_held(Session.objects.filter(PUBLIC))
        .annotate(**day_bounds())
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
        # Registration open, and seats left.
        queryset = queryset.filter(registration_open_q(today=today), seats_left_q())
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


def sessions_of_module(
    module: Module, *, exclude: Session | None = None, limit: int | None = None
) -> QuerySet[Session]:
    sessions = upcoming_sessions().filter(module=module)
    if exclude is not None:
        sessions = sessions.exclude(pk=exclude.pk)
    return sessions[:limit] if limit else sessions

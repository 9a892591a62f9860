"""Reads of the reference data and the session offer: what is public, the days' bounds, the
modules and their programme. Reads that show seats are above, in website.selectors (they need
the enrolment rules)."""

from django.db.models import (
    Count,
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

from .models import Module, ModuleDay, Provider, Sequence, Session, SessionDay

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

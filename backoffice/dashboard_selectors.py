"""Reads of the staff's dashboard: the figures of one OPCO's programme (every OPCO's for the
national administration), scoped by `backoffice.scoping.session_scope_q`. The whole dashboard
costs the same number of queries whatever the number of sessions and enrolments: each figure is
one aggregate, and the lists derive from one query on the upcoming sessions."""

import dataclasses
import datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Session, SessionDay
from catalogue.selectors import day_bounds
from enrolment.models import SATISFACTION_RATINGS, Enrolment, SatisfactionResponse
from enrolment.selectors import seats_held_subquery, session_under_minimum, status_counts

from .scoping import session_scope_q

# A session under its minimum shows once its registration closes within this many days.
UNDER_MINIMUM_DAYS = 15
# The enrolments per module, region and month, and the satisfaction averages, cover this many
# months, the current one included.
PERIOD_MONTHS = 12
# The enrolments to validate listed (oldest first); the count says how many there are in all.
PENDING_SHOWN = 50

Status = Enrolment.Status


def months_back(today: datetime.date, months: int) -> list[datetime.date]:
    """The first days of the `months` months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [
        datetime.date(year, month + 1, 1)
        for year, month in (divmod(index - back, 12) for back in range(months - 1, -1, -1))
    ]


def counted_enrolments_q() -> Q:
    """The enrolments that count in the figures: those whose address was confirmed (a request
    never confirmed never counted, README "An enrolment counts once its address is
    confirmed")."""
    return Q(address_confirmed_at__isnull=False)


def upcoming_sessions(*, user, today: datetime.date) -> list[Session]:
    """The sessions of the user's programme that have not started (or have no dates yet), not
    cancelled, soonest first (those without dates last). Each carries `first_date`,
    `last_date`, `seats_held_count` (the seat rule), `confirmed_count`, `pending_count`,
    `waitlisted_count`, `offers_count`, and its days prefetched."""
    sessions = (
        Session.objects.filter(session_scope_q(user))
        .exclude(status=Session.Status.CANCELLED)
        .annotate(**day_bounds())
        .filter(Q(first_date__gte=today) | Q(first_date__isnull=True))
        .annotate(seats_held_count=seats_held_subquery(), **status_counts())
        .select_related("module", "provider")
        .prefetch_related(Prefetch("days", queryset=SessionDay.objects.order_by("date")))
        .order_by(F("first_date").asc(nulls_last=True), "pk")
    )
    return list(sessions)


def under_minimum_soon(sessions: list[Session], *, today: datetime.date) -> list[Session]:
    """Published sessions from upcoming_sessions under their minimum whose registration closes
    within UNDER_MINIMUM_DAYS, or has closed before their first day: the ones to fill, or to
    decide on. Soonest deadline first; no query."""
    horizon = today + datetime.timedelta(days=UNDER_MINIMUM_DAYS)
    found = [
        session
        for session in sessions
        if session.status == Session.Status.PUBLISHED
        and session.registration_closes_on is not None
        and session.registration_closes_on <= horizon
        and session_under_minimum(session)
    ]
    found.sort(key=lambda session: (session.registration_closes_on, session.pk))
    return found


def waiting_lists(sessions: list[Session]) -> list[Session]:
    """The sessions from upcoming_sessions with a waiting list, longest first; no query."""
    found = [session for session in sessions if session.waitlisted_count]
    found.sort(key=lambda session: (-session.waitlisted_count, session.pk))
    return found


def pending_enrolments(*, user) -> QuerySet[Enrolment]:
    """The enrolments to validate in the user's programme, the longest waiting first, each with
    `waiting_since` (when it became pending)."""
    return (
        Enrolment.objects.filter(session_scope_q(user, prefix="session__"), status=Status.PENDING)
        .annotate(waiting_since=Coalesce("status_changed_at", "created_at"))
        .select_related("trainee", "session__module")
        .order_by("waiting_since", "pk")
    )


def _breakdown(values_from: QuerySet[Enrolment], *fields: str) -> list[dict]:
    return list(
        values_from.values(*fields)
        .annotate(
            confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
            pending=Count("pk", filter=Q(status=Status.PENDING)),
            waitlisted=Count("pk", filter=Q(status=Status.WAITLISTED)),
            ended=Count("pk", filter=Q(status__in=Enrolment.INACTIVE)),
            total=Count("pk"),
        )
        .order_by(*fields)
    )


@dataclasses.dataclass(frozen=True)
class RatingRow:
    """Satisfaction answers of one module, or of all (`module` None)."""

    module: str | None
    responses: int
    # (question label, average out of 5 or None), in the questionnaire's order.
    averages: list[tuple[str, float | None]]
    recommend_percent: int | None


def _rating_row(module, row: dict) -> RatingRow:
    count = row["responses"]
    return RatingRow(
        module=module,
        responses=count,
        averages=[
            (
                str(SatisfactionResponse._meta.get_field(name).verbose_name),
                round(row[name] / count, 1) if count else None,
            )
            for name in SATISFACTION_RATINGS
        ],
        recommend_percent=round(100 * row["recommend"] / count) if count else None,
    )


def satisfaction_rows(*, user, since: datetime.datetime) -> list[RatingRow]:
    """Averages of the answers given since `since`, per module, then for all (one query: the
    sums are added up here, so the overall average weighs every answer alike)."""
    per_module = list(
        SatisfactionResponse.objects.filter(
            session_scope_q(user, prefix="enrolment__session__"), created_at__gte=since
        )
        .values("enrolment__session__module__number", "enrolment__session__module__title")
        .annotate(
            responses=Count("pk"),
            recommend=Count("pk", filter=Q(would_recommend=True)),
            **{name: Sum(name) for name in SATISFACTION_RATINGS},
        )
        .order_by("enrolment__session__module__number")
    )
    rows = [
        _rating_row(
            _("Module %(number)s – %(title)s")
            % {
                "number": row["enrolment__session__module__number"],
                "title": row["enrolment__session__module__title"],
            },
            row,
        )
        for row in per_module
    ]
    if len(rows) > 1:
        total = {
            key: sum(row[key] for row in per_module)
            for key in ("responses", "recommend", *SATISFACTION_RATINGS)
        }
        rows.append(_rating_row(None, total))
    return rows


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


@dataclasses.dataclass(frozen=True)
class Dashboard:
    today: datetime.date
    period_start: datetime.date
    upcoming: list[Session]
    under_minimum: list[Session]
    waiting_lists: list[Session]
    pending: list[Enrolment]
    pending_total: int
    # Rows with module number and title, or region, and the counts confirmed, pending,
    # waitlisted, ended (refused or cancelled) and total.
    per_module: list[dict]
    per_region: list[dict]
    # (first day of the month, enrolments), oldest first, every month of the period.
    per_month: list[tuple[datetime.date, int]]
    satisfaction: list[RatingRow]


def dashboard(*, user, now: datetime.datetime | None = None) -> Dashboard:
    """Every figure of the dashboard for `user`'s programme."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    months = months_back(today, PERIOD_MONTHS)
    period_start = months[0]
    since = timezone.make_aware(datetime.datetime.combine(period_start, datetime.time.min))

    upcoming = upcoming_sessions(user=user, today=today)
    pending = pending_enrolments(user=user)
    pending_shown = list(pending[:PENDING_SHOWN])
    pending_total = pending.order_by().count()

    recent = Enrolment.objects.filter(
        session_scope_q(user, prefix="session__"),
        counted_enrolments_q(),
        created_at__gte=since,
    )
    # TruncMonth works in the current time zone (Paris): a month is the local one.
    per_month = (
        recent.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    monthly = {_as_date(row["month"]): row["n"] for row in per_month}
    return Dashboard(
        today=today,
        period_start=period_start,
        upcoming=upcoming,
        under_minimum=under_minimum_soon(upcoming, today=today),
        waiting_lists=waiting_lists(upcoming),
        pending=pending_shown,
        pending_total=pending_total,
        per_module=_breakdown(recent, "session__module__number", "session__module__title"),
        per_region=_breakdown(recent, "session__region"),
        per_month=[(month, monthly.get(month, 0)) for month in months],
        satisfaction=satisfaction_rows(user=user, since=since),
    )

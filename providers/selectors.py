"""Reads of the provider space. Every read is scoped to the providers the user is a member of,
and each page costs the same number of queries whatever the number of sessions or enrolments."""

import dataclasses
import datetime

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from catalogue.models import Provider, Session, SessionDay
from catalogue.selectors import day_bounds
from enrolment.attendance import attendance_recorded_expression
from enrolment.models import Enrolment, seat_holding_q
from enrolment.selectors import (
    seats_held,
    session_has_ended,
    session_under_minimum,
    status_counts,
    waitlist_position_expression,
    with_seats_held,
)
from enrolment.session_services import change_request_changes, pending_change_request

# Sessions that ended within this many days still show on the space's home page.
RECENT_DAYS = 90

Status = Enrolment.Status


def member_providers(*, user) -> list[Provider]:
    """The providers whose space this user may enter; none for an account of no provider."""
    if not user.is_authenticated:
        return []
    return list(Provider.objects.filter(members=user).order_by("name"))


def _status_counts():
    """Counts over the one join on enrolments (enrolment.selectors.status_counts); the day
    bounds are subqueries, so no other join multiplies them."""
    # The seat rule of the services: pending, confirmed and outstanding waiting-list offers.
    return {
        **status_counts(),
        "seats_held_count": Count("enrolments", filter=seat_holding_q("enrolments__")),
    }


def _space_sessions(provider_ids) -> QuerySet[Session]:
    return (
        Session.objects.filter(provider__in=provider_ids)
        .annotate(**day_bounds())
        .annotate(**_status_counts())
        # Every confirmed trainee marked on every half-day (the home page's "attendance to
        # record"): enrolment.attendance's rule, in SQL.
        .annotate(
            attendance_recorded=ExpressionWrapper(
                attendance_recorded_expression(), output_field=BooleanField()
            )
        )
        .select_related("module", "provider")
        .prefetch_related(Prefetch("days", queryset=SessionDay.objects.order_by("date")))
    )


@dataclasses.dataclass(frozen=True)
class SpaceSessions:
    upcoming: list[Session]
    recent: list[Session]


def space_sessions(
    *, providers: list[Provider], now: datetime.datetime | None = None
) -> SpaceSessions:
    """The providers' sessions that have not ended (soonest first; those without dates yet
    last) and those that ended within RECENT_DAYS (latest first), whatever their status.
    Each session carries `first_date`, `last_date`, `<status>_count` for every enrolment status,
    `seats_held_count` and `attendance_recorded`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sessions = list(
        _space_sessions([provider.pk for provider in providers]).filter(
            Q(last_date__gte=today - datetime.timedelta(days=RECENT_DAYS))
            | Q(last_date__isnull=True)
        )
    )
    # Over once the last half-day has ended (enrolment.selectors.session_has_ended).
    ended = {s.pk for s in sessions if session_has_ended(s, now=now)}
    upcoming = [s for s in sessions if s.pk not in ended]
    recent = [s for s in sessions if s.pk in ended]
    upcoming.sort(key=lambda s: (s.first_date is None, s.first_date or today, s.pk))
    recent.sort(key=lambda s: (s.first_date, s.pk), reverse=True)
    return SpaceSessions(upcoming=upcoming, recent=recent)


def _enrolment_related(queryset: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return queryset.select_related(
        "trainee", "employer", "session__module", "session__provider"
    ).prefetch_related(Prefetch("session__days", queryset=SessionDay.objects.order_by("date")))


def pending_enrolments(*, providers: list[Provider]) -> list[Enrolment]:
    """The enrolments waiting for a decision (prerequisite declared) in the providers'
    sessions, oldest first."""
    provider_ids = [provider.pk for provider in providers]
    return list(
        _enrolment_related(
            Enrolment.objects.filter(status=Status.PENDING, session__provider__in=provider_ids)
        ).order_by("created_at", "pk")
    )


def member_session(*, user, pk: int) -> Session | None:
    """The session if the user is a member of its provider, else None (the caller answers 404:
    a stranger does not learn that the session exists)."""
    if not user.is_authenticated:
        return None
    return (
        with_seats_held(Session.objects.filter(pk=pk, provider__members=user))
        .select_related("module", "provider")
        .prefetch_related(Prefetch("days", queryset=SessionDay.objects.order_by("date")))
        .first()
    )


def member_enrolment(*, user, pk: int) -> Enrolment | None:
    """The enrolment if the user is a member of its session's provider, else None."""
    if not user.is_authenticated:
        return None
    return (
        _enrolment_related(Enrolment.objects.filter(pk=pk, session__provider__members=user))
        .order_by()
        .first()
    )


@dataclasses.dataclass(frozen=True)
class SessionEnrolments:
    confirmed: list[Enrolment]
    pending: list[Enrolment]
    # In queue order; each carries `waitlist_position` (1 for the first in line).
    waitlisted: list[Enrolment]
    refused: list[Enrolment]
    cancelled: list[Enrolment]
    seats_held: int


def session_enrolments(session: Session) -> SessionEnrolments:
    """A session's enrolments grouped by status, in one query, for a session read by
    member_session (which counts its seats held)."""
    enrolments = list(
        Enrolment.objects.filter(session=session)
        .select_related("trainee", "employer")
        .annotate(waitlist_position=waitlist_position_expression())
        .order_by("created_at", "pk")
    )
    groups = {status: [] for status in Status.values}
    for enrolment in enrolments:
        # The page shows the session it belongs to: no query per row for enrolment.session.
        enrolment.session = session
        groups[enrolment.status].append(enrolment)
    groups[Status.WAITLISTED].sort(key=lambda enrolment: enrolment.waitlist_position)
    return SessionEnrolments(
        seats_held=seats_held(session),
        confirmed=groups[Status.CONFIRMED],
        pending=groups[Status.PENDING],
        waitlisted=groups[Status.WAITLISTED],
        refused=groups[Status.REFUSED],
        cancelled=groups[Status.CANCELLED],
    )


# The home page shows the sessions under their minimum whose registration closes within this
# many days.
ATTENTION_DAYS = 14


@dataclasses.dataclass(frozen=True)
class Attention:
    """What needs the provider's members, beside the enrolments to validate."""

    # Published, registration closing within ATTENTION_DAYS, fewer confirmed and pending
    # trainees than the minimum (enrolment.selectors.under_minimum).
    under_minimum: list[Session]
    # Published, ended, with confirmed trainees whose attendance is not recorded for every
    # half-day (enrolment.attendance.attendance_recorded).
    attendance_missing: list[Session]


def space_attention(sessions: SpaceSessions, *, today: datetime.date | None = None) -> Attention:
    """Read from space_sessions' rows and annotations: no query of its own."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=ATTENTION_DAYS)
    published = Session.Status.PUBLISHED
    under_minimum = [
        session
        for session in sessions.upcoming
        if session.status == published
        and session.registration_closes_on is not None
        and today <= session.registration_closes_on <= horizon
        and session_under_minimum(session)
    ]
    under_minimum.sort(key=lambda session: (session.registration_closes_on, session.pk))
    attendance_missing = [
        session
        for session in sessions.recent
        if session.status == published
        and session.confirmed_count
        and not session.attendance_recorded
    ]
    return Attention(under_minimum=under_minimum, attendance_missing=attendance_missing)


def pending_digest_sessions(*, provider: Provider) -> list[Session]:
    """The provider's sessions with enrolments awaiting a decision, soonest first, each with
    `pending_count` and `first_date` (the digest mail's lines)."""
    return list(
        Session.objects.filter(provider=provider)
        .annotate(pending_count=Count("enrolments", filter=Q(enrolments__status=Status.PENDING)))
        .filter(pending_count__gt=0)
        .annotate(**day_bounds())
        .select_related("module")
        .order_by(F("first_date").asc(nulls_last=True), "pk")
    )


def session_pending_change(session: Session) -> dict | None:
    """A published session's proposal waiting for the OPCO and what it changes
    (`change_request_changes`), or None; for a session read by member_session, which is not
    read again."""
    if session is None or session.status != Session.Status.PUBLISHED:
        return None
    request = pending_change_request(session)
    if request is None:
        return None
    return {"request": request, "changes": change_request_changes(request, session=session)}

"""Reads of the enrolment pages, services, jobs and mails, and the rules every caller shares.

One function per rule, used by the public pages, the forms, the services, the jobs, the admin
and the providers' space alike:
- seats held and seats left: `seat_holding_q` (enrolment.models), `seats_held_subquery`,
  `seats_held`, `seats_left`;
- counts per status and the minimum: `status_counts` (one join) and `minimum_counts`
  (subqueries), read by `under_minimum` (`session_under_minimum`) and `under_minimum_q`;
- registration: `registration_closed_reason` (can one enrol, and if not why),
  `registration_open_q` (the same rule in SQL), `registration_state` (the words pages show);
- the waiting list: `EnrolmentQuerySet.waitlisted` (its order) and `waitlist_position_expression`
  (each row's rank in that order), read by `waitlist_position`;
- the prerequisite: `module_requires_prerequisite`.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalogue.formats import long_date
from catalogue.models import Module, Session, SessionDay
from catalogue.selectors import PUBLIC

from .models import Enrolment, outstanding_offer_q, seat_holding_q

# Seats ---------------------------------------------------------------------------------------


def seats_held_subquery() -> Coalesce:
    """Seats held in each session (`seat_holding_q`), as a subquery on OuterRef("pk"): annotate
    a Session queryset with it (`seats_held_count`) rather than join, so no count multiplies."""
    held = (
        Enrolment.objects.filter(seat_holding_q(), session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), 0)


def with_seats_held(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.annotate(seats_held_count=seats_held_subquery())


def seats_left_q() -> Q:
    """Sessions annotated by `with_seats_held` that have a seat left."""
    return Q(seats_held_count__lt=F("capacity"))


def seats_held(session: Session) -> int:
    """The seats a session holds: its `seats_held_count` annotation when it has one, else a
    count (inside the session lock, a count is the only right answer)."""
    annotated = getattr(session, "seats_held_count", None)
    if annotated is not None:
        return annotated
    return Enrolment.objects.filter(seat_holding_q(), session=session).count()


def free_seats(*, capacity: int, held: int) -> int:
    return max(capacity - held, 0)


def seats_left(session: Session) -> int:
    return free_seats(capacity=session.capacity, held=seats_held(session))


# Counts per status and the minimum -----------------------------------------------------------


def status_counts() -> dict[str, Count]:
    """`<status>_count` for every enrolment status, and `offers_count` (outstanding waiting-list
    offers), counted over one join on the enrolments: `Session.objects.annotate(**status_counts())`
    with no other join that would multiply them (the seats held and the day bounds are
    subqueries)."""
    counts = {
        f"{status}_count": Count("enrolments", filter=Q(enrolments__status=status))
        for status in Enrolment.Status.values
    }
    counts["offers_count"] = Count("enrolments", filter=outstanding_offer_q("enrolments__"))
    return counts


def _status_count_subquery(status: str) -> Coalesce:
    counted = (
        Enrolment.objects.filter(session=OuterRef("pk"), status=status)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def minimum_counts() -> dict[str, Coalesce]:
    """`confirmed_count` and `pending_count`, what `under_minimum` reads, as subqueries (for a
    queryset that must not join the enrolments, such as the admin's changelist)."""
    return {
        f"{status}_count": _status_count_subquery(status)
        for status in (Enrolment.Status.CONFIRMED, Enrolment.Status.PENDING)
    }


def under_minimum(*, confirmed: int, pending: int, minimum: int) -> bool:
    """The one meaning of "under the minimum": fewer confirmed and pending trainees than the
    session's minimum. Unconfirmed holds and waiting-list offers hold a seat but do not count
    (a trainee the session may not have)."""
    return confirmed + pending < minimum


def session_under_minimum(session: Session) -> bool:
    """`under_minimum` on a session annotated with `status_counts()` or `minimum_counts()`."""
    return under_minimum(
        confirmed=session.confirmed_count,
        pending=session.pending_count,
        minimum=session.min_participants,
    )


def under_minimum_q() -> Q:
    """`session_under_minimum` in SQL, on sessions annotated with `status_counts()` or
    `minimum_counts()`."""
    return Q(min_participants__gt=F("confirmed_count") + F("pending_count"))


# Registration --------------------------------------------------------------------------------


class ClosedReason:
    """Why a session accepts no enrolment (codes for the templates and the tests)."""

    CANCELLED = "cancelled"
    NOT_PUBLISHED = "not_published"
    NO_DATES = "no_dates"
    DEADLINE_PASSED = "deadline_passed"


def registration_closed_reason(
    session: Session, *, today: datetime.date | None = None
) -> str | None:
    """None when the session accepts enrolments (and waiting-list places), else a ClosedReason.
    Reads the session's prefetched days. `registration_open_q` is the same rule in SQL."""
    today = today or timezone.localdate()
    if session.status == Session.Status.CANCELLED:
        return ClosedReason.CANCELLED
    if session.status != Session.Status.PUBLISHED:
        return ClosedReason.NOT_PUBLISHED
    if session.first_day is None:
        return ClosedReason.NO_DATES
    if today > session.registration_closes_on:
        return ClosedReason.DEADLINE_PASSED
    return None


def registration_open_q(*, today: datetime.date | None = None) -> Q:
    """`registration_closed_reason(session) is None`, as a filter on sessions annotated with
    `first_date` (catalogue.selectors.day_bounds)."""
    today = today or timezone.localdate()
    return Q(status=Session.Status.PUBLISHED, first_date__isnull=False) & (
        Q(registration_deadline__gte=today)
        | Q(registration_deadline__isnull=True, first_date__gt=today)
    )


@dataclass(frozen=True)
class RegistrationState:
    """Where registration stands for a session, in words. `code` is one of open, waiting_list,
    closed, cancelled, past; `closed_reason` is registration_closed_reason's answer, and the
    "S'inscrire" button shows when it is None (`can_enrol`)."""

    code: str
    text: str
    closed_reason: str | None
    closes_on: datetime.date | None
    seats_left: int

    @property
    def can_enrol(self) -> bool:
        return self.closed_reason is None


def registration_state(
    session: Session, *, today: datetime.date | None = None
) -> RegistrationState:
    today = today or timezone.localdate()
    reason = registration_closed_reason(session, today=today)
    closes_on = session.registration_closes_on
    left = seats_left(session)

    def state(code, text):
        return RegistrationState(code, text, reason, closes_on, left)

    if reason == ClosedReason.CANCELLED:
        return state("cancelled", _("Session annulée\u00a0: elle n'aura pas lieu."))
    last_day = session.last_day
    if last_day and last_day < today:
        return state("past", _("Session terminée."))
    if reason is not None:
        if not closes_on:
            return state("closed", _("Inscriptions closes."))
        return state(
            "closed",
            _("Inscriptions closes (date limite\u00a0: %(date)s).")
            % {"date": long_date(closes_on)},
        )
    if left == 0:
        return state(
            "waiting_list",
            _("Complet\u00a0: inscription sur liste d'attente jusqu'au %(date)s inclus.")
            % {"date": long_date(closes_on)},
        )
    seats = ngettext(
        "%(n)d place disponible sur %(capacity)d",
        "%(n)d places disponibles sur %(capacity)d",
        left,
    ) % {"n": left, "capacity": session.capacity}
    return state(
        "open",
        _("Inscriptions ouvertes jusqu'au %(date)s inclus\u00a0: %(seats)s.")
        % {"date": long_date(closes_on), "seats": seats},
    )


# Prerequisite --------------------------------------------------------------------------------


def module_requires_prerequisite(module: Module) -> bool:
    """Whether enrolling asks for a declaration of the module's prerequisite (Module 2 needs
    Module 1). Reads the prefetched `prerequisite_modules` where the selectors load them."""
    return bool(module.prerequisite_modules.all())


def _session_related(queryset: QuerySet[Session]) -> QuerySet[Session]:
    return queryset.select_related("module", "provider", "opco_contact").prefetch_related(
        Prefetch("days", queryset=SessionDay.objects.order_by("date")),
        Prefetch("module__prerequisite_modules", queryset=Module.objects.order_by("number")),
    )


def session_for_enrolment(*, pk: int) -> Session:
    """The session with what the form, the rules and the mails read; raises DoesNotExist."""
    return _session_related(Session.objects.all()).get(pk=pk)


def public_session_for_enrolment(*, pk: int) -> Session:
    """The same, among the sessions the catalogue shows (drafts, submitted sessions and those
    cancelled before they were ever published are not); raises DoesNotExist."""
    return _session_related(Session.objects.filter(PUBLIC)).get(pk=pk)


def session_locked(*, pk: int) -> Session:
    """The session row, locked until the end of the transaction (call inside atomic): every
    change to who holds a seat in a session goes through this lock."""
    return _session_related(Session.objects.select_for_update(of=("self",))).get(pk=pk)


def session_starts_at(session: Session) -> datetime.datetime | None:
    days = session.sorted_days
    if not days:
        return None
    first = days[0]
    return timezone.make_aware(datetime.datetime.combine(first.date, first.starts_at))


def session_has_started(session: Session, *, now: datetime.datetime | None = None) -> bool:
    starts_at = session_starts_at(session)
    return starts_at is not None and (now or timezone.now()) >= starts_at


def session_ends_at(session: Session) -> datetime.datetime | None:
    """The end of the session's last half-day; None without days. Reads the prefetched days."""
    days = session.sorted_days
    if not days:
        return None
    last = days[-1]
    return timezone.make_aware(datetime.datetime.combine(last.date, last.ends_at))


def session_has_ended(session: Session, *, now: datetime.datetime | None = None) -> bool:
    """Whether the session is over: its last half-day has ended. The one meaning of "over":
    its provider may no longer change it, staff no longer cancel it, and its certificates can
    be made. Reads the prefetched days."""
    ends_at = session_ends_at(session)
    return ends_at is not None and (now or timezone.now()) >= ends_at


def registration_closes_at(session: Session) -> datetime.datetime | None:
    """The end of the last day on which one can enrol (midnight, local time)."""
    closes_on = session.registration_closes_on
    if closes_on is None:
        return None
    next_day = closes_on + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))


def other_open_sessions(session: Session) -> list[Session]:
    """The module's other sessions that still accept enrolments, soonest first."""
    candidates = _session_related(
        Session.objects.filter(module=session.module_id, status=Session.Status.PUBLISHED).exclude(
            pk=session.pk
        )
    )
    open_sessions = [other for other in candidates if registration_closed_reason(other) is None]
    return sorted(open_sessions, key=lambda other: other.first_day)


def enrolment_for_page(*, pk: int) -> Enrolment:
    """An enrolment with its trainee, session and what its pages and mails show."""
    return (
        Enrolment.objects.select_related(
            "trainee",
            "employer",
            "session__module",
            "session__provider",
            "session__opco_contact",
        )
        .prefetch_related(
            Prefetch("session__days", queryset=SessionDay.objects.order_by("date")),
            "session__module__prerequisite_modules",
        )
        .get(pk=pk)
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first in the queue; None when not on the waiting list."""
    if enrolment.status != Enrolment.Status.WAITLISTED:
        return None
    return (
        Enrolment.objects.filter(pk=enrolment.pk)
        .annotate(position=waitlist_position_expression())
        .values_list("position", flat=True)
        .get()
    )


def waitlist_position_expression():
    """Each waitlisted enrolment's rank in its session's queue, as an expression: the order of
    EnrolmentQuerySet.waitlisted() and waitlist_position, in one subquery rather than
    a query per row. Rows without waitlisted_at (made by hand) come last."""
    Status = Enrolment.Status

    def ahead(condition):
        rows = (
            Enrolment.objects.filter(
                condition, session=OuterRef("session"), status=Status.WAITLISTED
            )
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0) + 1

    return Case(
        When(
            status=Status.WAITLISTED,
            waitlisted_at__isnull=False,
            then=ahead(
                Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
                | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lt=OuterRef("pk"))
            ),
        ),
        When(
            status=Status.WAITLISTED,
            then=ahead(Q(waitlisted_at__isnull=False) | Q(pk__lt=OuterRef("pk"))),
        ),
        output_field=IntegerField(),
    )


def active_enrolments_for_email(email: str) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.active()
        .alias(email_lower=Lower("trainee__email"))
        .filter(email_lower=email.strip().lower())
        .select_related("trainee", "session")
    )

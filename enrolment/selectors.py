"""Reads of the enrolment pages, services and mails."""

import datetime

from django.db.models import (
    Case,
    Count,
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

from catalogue.models import Module, Session, SessionDay
from catalogue.selectors import PUBLIC

from .models import Enrolment


class ClosedReason:
    """Why a session accepts no enrolment (codes for the templates and the tests)."""

    CANCELLED = "cancelled"
    NOT_PUBLISHED = "not_published"
    NO_DATES = "no_dates"
    DEADLINE_PASSED = "deadline_passed"


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


def registration_closes_at(session: Session) -> datetime.datetime | None:
    """The end of the last day on which one can enrol (midnight, local time)."""
    closes_on = session.registration_closes_on
    if closes_on is None:
        return None
    next_day = closes_on + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))


def session_closed_reason(session: Session) -> str | None:
    """None when the session accepts enrolments, else a ClosedReason code."""
    if session.status == Session.Status.CANCELLED:
        return ClosedReason.CANCELLED
    if session.status != Session.Status.PUBLISHED:
        return ClosedReason.NOT_PUBLISHED
    if session.first_day is None:
        return ClosedReason.NO_DATES
    if session.deadline_passed:
        return ClosedReason.DEADLINE_PASSED
    return None


def module_requires_prerequisite(module: Module) -> bool:
    # Prefetched by _session_related: no query.
    return bool(module.prerequisite_modules.all())


def other_open_sessions(session: Session) -> list[Session]:
    """The module's other sessions that still accept enrolments, soonest first."""
    candidates = _session_related(
        Session.objects.filter(module=session.module_id, status=Session.Status.PUBLISHED).exclude(
            pk=session.pk
        )
    )
    open_sessions = [other for other in candidates if session_closed_reason(other) is None]
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
    queue = Enrolment.objects.filter(
        session=enrolment.session_id, status=Enrolment.Status.WAITLISTED
    )
    # Same order as EnrolmentQuerySet.waitlisted(): rows without waitlisted_at (made by hand)
    # come last.
    if enrolment.waitlisted_at is None:
        ahead = queue.filter(Q(waitlisted_at__isnull=False) | Q(pk__lt=enrolment.pk))
    else:
        ahead = queue.filter(
            Q(waitlisted_at__lt=enrolment.waitlisted_at)
            | Q(waitlisted_at=enrolment.waitlisted_at, pk__lt=enrolment.pk)
        )
    return ahead.count() + 1


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

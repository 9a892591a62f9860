"""Attendance per half-day (the feuille d'émargement as recorded): the reads the documents, the
dashboard and the grid share, and the one service that records a session's grid.

A half-day is a (SessionDay, "am" | "pm") pair whose start and end are set; a mark is an
Attendance row of a confirmed enrolment for one of them. Hours attended are the hours of the
half-days marked present (Attendance.Status.PRESENT), from the day's own times: the same hours
the fiche, the convocation and the certificate show.
"""

import datetime
import logging
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from catalogue.models import Session, SessionDay

from .models import Attendance, Enrolment
from .selectors import session_locked
from .transitions import Actor

logger = logging.getLogger(__name__)

HalfDay = Attendance.HalfDay


# A half-day's start and end fields on SessionDay.
HALF_DAY_FIELDS = {
    HalfDay.MORNING: ("morning_start", "morning_end"),
    HalfDay.AFTERNOON: ("afternoon_start", "afternoon_end"),
}


def half_day_times(day: SessionDay, half_day: str) -> tuple[datetime.time, datetime.time] | None:
    """The (start, end) of one half-day of a day, or None when that half-day does not take
    place (no times set)."""
    fields = HALF_DAY_FIELDS.get(half_day)
    if fields is None:
        return None
    start, end = (getattr(day, field) for field in fields)
    return (start, end) if start and end else None


def half_day_hours(day: SessionDay, half_day: str) -> Decimal:
    """The length of one half-day in hours (0 when it does not take place)."""
    times = half_day_times(day, half_day)
    if times is None:
        return Decimal(0)
    start, end = times
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return Decimal(minutes) / 60


def session_half_days(session: Session) -> list[tuple[SessionDay, str]]:
    """The session's half-days that take place, in order (uses a prefetched `days`)."""
    return [
        (day, half_day)
        for day in session.sorted_days
        for half_day in HalfDay.values
        if half_day_times(day, half_day) is not None
    ]


def hours_attended(enrolment: Enrolment) -> Decimal:
    """Hours the trainee attended: the sum of the hours of the half-days marked present.

    Reads `enrolment.attendances` with their days: prefetch them
    (`Prefetch("attendances", queryset=Attendance.objects.select_related("day"))`) to read many
    enrolments at a constant number of queries; otherwise one query. A mark on a half-day that
    no longer takes place (its times removed since) counts nothing."""
    return sum(
        (
            half_day_hours(mark.day, mark.half_day)
            for mark in enrolment.attendances.all()
            if mark.status == Attendance.Status.PRESENT
        ),
        Decimal(0),
    )


# Whether attendance is recorded: one rule, in Python and in SQL ---------------------------------


def _marks_cover(half_days: list[tuple[SessionDay, str]], marks: set[tuple[int, str]]) -> bool:
    """The rule every "attendance recorded" reads: a (day id, half-day) mark for every half-day
    of the session that takes place (present, absent and excused all count); a session without
    any half-day has nothing recorded."""
    return bool(half_days) and all((day.pk, half_day) in marks for day, half_day in half_days)


def enrolment_attendance_recorded(enrolment: Enrolment) -> bool:
    """Whether the trainee has a mark for every half-day of their session (the certificate and
    the attestation wait for it). Reads the prefetched `enrolment.attendances` and session days
    (enrolment.documents.enrolment_for_documents reads both)."""
    marks = {(mark.day_id, mark.half_day) for mark in enrolment.attendances.all()}
    return _marks_cover(session_half_days(enrolment.session), marks)


def _half_day_takes_place_q(half_day: str) -> Q:
    """half_day_times' rule as a filter on SessionDay: its start and end are set."""
    start, end = HALF_DAY_FIELDS[half_day]
    return Q(**{f"{start}__isnull": False, f"{end}__isnull": False})


def attendance_recorded_expression(session_ref: str = "pk") -> Q:
    """AttendanceGrid.recorded as a condition on Session rows (`session_ref` names the session's
    id in the outer query), for an annotation or a filter at no query of its own: the session
    has a half-day that takes place, and no (confirmed trainee, half-day) pair of it lacks a
    mark."""
    has_half_day = Exists(
        SessionDay.objects.filter(session=OuterRef(session_ref)).filter(
            reduce(operator.or_, (_half_day_takes_place_q(half_day) for half_day in HalfDay))
        )
    )

    def unmarked(half_day: str) -> Q:
        # A half-day of the day (OuterRef) that takes place, and a confirmed trainee of its
        # session without a mark for it.
        return _half_day_takes_place_q(half_day) & Q(
            Exists(
                Enrolment.objects.filter(
                    session=OuterRef("session"), status=Enrolment.Status.CONFIRMED
                ).exclude(
                    Exists(
                        Attendance.objects.filter(
                            enrolment=OuterRef("pk"),
                            day=OuterRef(OuterRef("pk")),
                            half_day=half_day,
                        )
                    )
                )
            )
        )

    missing = Exists(
        SessionDay.objects.filter(session=OuterRef(session_ref)).filter(
            reduce(operator.or_, (unmarked(half_day) for half_day in HalfDay))
        )
    )
    return has_half_day & ~Q(missing)


def half_day_starts_at(day: SessionDay, half_day: str) -> datetime.datetime | None:
    """When a half-day starts, local time; None when it does not take place."""
    times = half_day_times(day, half_day)
    if times is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day.date, times[0]))


def day_has_started(day: SessionDay, *, now: datetime.datetime | None = None) -> bool:
    """Attendance is recorded for a day once it has started (its first half-day), never ahead
    of it: both its half-days may then be marked."""
    starts = [
        starts_at
        for half_day in HalfDay.values
        if (starts_at := half_day_starts_at(day, half_day)) is not None
    ]
    return bool(starts) and (now or timezone.now()) >= min(starts)


# The grid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridColumn:
    """One half-day of the session: a column of the grid."""

    day: SessionDay
    half_day: str
    start: datetime.time
    end: datetime.time
    started: bool

    @property
    def key(self) -> tuple[int, str]:
        return (self.day.pk, self.half_day)

    @property
    def label(self) -> str:
        return str(HalfDay(self.half_day).label)


@dataclass(frozen=True)
class GridCell:
    enrolment: Enrolment
    column: GridColumn
    # The recorded Attendance.Status, or "" when none is.
    status: str

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.enrolment.pk, self.column.day.pk, self.column.half_day)


@dataclass(frozen=True)
class GridRow:
    enrolment: Enrolment
    cells: list[GridCell]
    # enrolment_attendance_recorded's rule, read from the cells.
    recorded: bool


@dataclass(frozen=True)
class AttendanceGrid:
    session: Session
    columns: list[GridColumn]
    rows: list[GridRow]
    # attendance_closed_reason: why nothing may be recorded (a cancelled session), else "".
    closed_reason: str
    # Whether the session's attendance is recorded: every confirmed trainee's row is (none
    # has nothing to record), and a session without any half-day has nothing recorded;
    # attendance_recorded_expression says the same in SQL.
    recorded: bool

    @property
    def open_columns(self) -> list[GridColumn]:
        return [] if self.closed_reason else [c for c in self.columns if c.started]

    @property
    def editable_cells(self) -> list[GridCell]:
        if self.closed_reason:
            return []
        return [cell for row in self.rows for cell in row.cells if cell.column.started]

    @property
    def rows_to_record(self) -> list[GridRow]:
        """The trainees with a half-day still without a mark."""
        return [row for row in self.rows if not row.recorded]

    @property
    def unavailable_reason(self) -> str:
        """Why the page shows no grid to fill, else "": the session is cancelled, has no
        date yet, or no confirmed trainee."""
        if self.closed_reason:
            return self.closed_reason
        if not self.columns:
            return str(NO_DATES)
        if not self.rows:
            return str(NO_TRAINEE)
        return ""


def attendance_grid(session: Session, *, now: datetime.datetime | None = None) -> AttendanceGrid:
    """The session's grid: its confirmed trainees (by name) by its half-days (in order), each
    cell with what is recorded. Two queries, whatever the numbers of trainees and days, for a
    session whose `days` are prefetched (providers.selectors.member_session does)."""
    now = now or timezone.now()
    half_days = session_half_days(session)
    started = {day.pk: day_has_started(day, now=now) for day, _ in half_days}
    columns = [
        GridColumn(day, half_day, *half_day_times(day, half_day), started=started[day.pk])
        for day, half_day in half_days
    ]
    enrolments = list(
        Enrolment.objects.filter(session=session, status=Enrolment.Status.CONFIRMED)
        .select_related("trainee")
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    recorded = {
        (enrolment_id, day_id, half_day): status
        for enrolment_id, day_id, half_day, status in Attendance.objects.filter(
            enrolment__session=session, enrolment__status=Enrolment.Status.CONFIRMED
        ).values_list("enrolment_id", "day_id", "half_day", "status")
    }
    rows = []
    for enrolment in enrolments:
        enrolment.session = session
        cells = [
            GridCell(
                enrolment,
                column,
                recorded.get((enrolment.pk, column.day.pk, column.half_day), ""),
            )
            for column in columns
        ]
        marks = {cell.column.key for cell in cells if cell.status}
        rows.append(GridRow(enrolment, cells, recorded=_marks_cover(half_days, marks)))
    return AttendanceGrid(
        session=session,
        columns=columns,
        rows=rows,
        closed_reason=attendance_closed_reason(session) or "",
        recorded=bool(half_days) and all(row.recorded for row in rows),
    )


# The service ---------------------------------------------------------------------------------

Mark = tuple[int, int, str]  # (enrolment_id, day_id, half_day)

UNKNOWN_TRAINEE = gettext_lazy(
    "Une ligne de la feuille n'est pas celle d'un stagiaire confirmé de cette session : "
    "rechargez la page."
)
UNKNOWN_HALF_DAY = gettext_lazy(
    "Une colonne de la feuille n'est pas une demi-journée de cette session : rechargez la page."
)
NOT_STARTED = gettext_lazy(
    "La présence ne se saisit qu'à partir du premier jour : une journée de la feuille n'a "
    "pas encore commencé."
)
UNKNOWN_STATUS = gettext_lazy("Une case de la feuille a une valeur inconnue.")
SESSION_CANCELLED = gettext_lazy(
    "La session est annulée : sa feuille de présence ne se saisit plus."
)
NO_DATES = gettext_lazy("La session n'a pas encore de dates.")
NO_TRAINEE = gettext_lazy("Aucun stagiaire confirmé pour le moment.")


def attendance_closed_reason(session: Session) -> str | None:
    """Why nothing may be recorded for the session at all, else None: it is cancelled (its
    trainees' enrolments are too). attendance_record refuses it; the grid's page says it."""
    if session.status == Session.Status.CANCELLED:
        return str(SESSION_CANCELLED)
    return None


def attendance_record(*, session_id: int, marks: Mapping[Mark, str], by: Actor) -> tuple[int, int]:
    """Record a session's grid in one go: `marks` maps (enrolment id, day id, half-day) to an
    Attendance.Status. Locks the session row; every mark must be a confirmed enrolment of the
    session, one of its half-days that takes place, on a day that has started, with a known
    status, in a session that is not cancelled, or ValidationError and nothing is written.
    Marks left out keep what is recorded. Returns (created, changed) counts."""
    with transaction.atomic():
        session = session_locked(pk=session_id)
        closed = attendance_closed_reason(session)
        if closed:
            raise ValidationError(closed, code="closed")
        now = timezone.now()
        days = {day.pk: day for day in session.days.all()}
        confirmed = set(
            Enrolment.objects.filter(
                session=session, status=Enrolment.Status.CONFIRMED
            ).values_list("pk", flat=True)
        )
        errors = []
        for (enrolment_id, day_id, half_day), status in marks.items():
            day = days.get(day_id)
            if enrolment_id not in confirmed:
                errors.append(UNKNOWN_TRAINEE)
            elif day is None or half_day_times(day, half_day) is None:
                errors.append(UNKNOWN_HALF_DAY)
            elif not day_has_started(day, now=now):
                errors.append(NOT_STARTED)
            elif status not in Attendance.Status.values:
                errors.append(UNKNOWN_STATUS)
        if errors:
            # Each kind of error once: a whole column in the future is one message.
            raise ValidationError(list(dict.fromkeys(str(error) for error in errors)))

        existing = {
            (row.enrolment_id, row.day_id, row.half_day): row
            for row in Attendance.objects.filter(enrolment__in=confirmed, day__session=session)
        }
        created, changed = [], []
        for (enrolment_id, day_id, half_day), status in marks.items():
            row = existing.get((enrolment_id, day_id, half_day))
            if row is None:
                created.append(
                    Attendance(
                        enrolment_id=enrolment_id,
                        day_id=day_id,
                        half_day=half_day,
                        status=status,
                        recorded_at=now,
                    )
                )
            elif row.status != status:
                row.status, row.recorded_at = status, now
                changed.append(row)
        Attendance.objects.bulk_create(created)
        Attendance.objects.bulk_update(changed, ["status", "recorded_at"])
    logger.info(
        "Attendance of session %s recorded by %s: %d created, %d changed",
        session_id,
        by.kind,
        len(created),
        len(changed),
    )
    return len(created), len(changed)

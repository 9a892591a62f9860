"""Attendance per half-day (the feuille d'émargement as recorded): the reads the documents, the
dashboard and the grid share, and the one service that records a session's grid.

A half-day is a (SessionDay, "am" | "pm") pair whose start and end are set; a mark is an
Attendance row of a confirmed enrolment for one of them. Hours attended are the hours of the
half-days marked present (Attendance.Status.PRESENT), from the day's own times: the same hours
the fiche, the convocation and the certificate show.
"""

import datetime
from decimal import Decimal

from catalogue.models import Session, SessionDay

from .models import Attendance, Enrolment

HalfDay = Attendance.HalfDay


def half_day_times(day: SessionDay, half_day: str) -> tuple[datetime.time, datetime.time] | None:
    """The (start, end) of one half-day of a day, or None when that half-day does not take
    place (no times set)."""
    if half_day == HalfDay.MORNING:
        start, end = day.morning_start, day.morning_end
    elif half_day == HalfDay.AFTERNOON:
        start, end = day.afternoon_start, day.afternoon_end
    else:
        return None
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


def attendance_recorded(session: Session) -> bool:
    """Whether the session's attendance is recorded: every confirmed trainee has a mark for
    every half-day of the session that takes place (two queries; a session with no confirmed
    trainee has nothing to record, so True; a session with no day, False)."""
    half_days = {(day.pk, half_day) for day, half_day in session_half_days(session)}
    if not half_days:
        return False
    confirmed = set(
        Enrolment.objects.filter(session=session, status=Enrolment.Status.CONFIRMED).values_list(
            "pk", flat=True
        )
    )
    if not confirmed:
        return True
    marked = set(
        Attendance.objects.filter(enrolment__in=confirmed, day__session=session).values_list(
            "enrolment_id", "day_id", "half_day"
        )
    )
    return all(
        (enrolment_id, day_id, half_day) in marked
        for enrolment_id in confirmed
        for day_id, half_day in half_days
    )

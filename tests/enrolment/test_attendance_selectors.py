"""hours_attended and whether attendance is recorded (for a session, a trainee, in SQL and in
the grid: one rule): what the documents, the dashboard and the grid read."""

import datetime
from decimal import Decimal

import pytest

from catalogue.models import Session
from enrolment.attendance import (
    attendance_grid,
    attendance_recorded_expression,
    enrolment_attendance_recorded,
    hours_attended,
)
from enrolment.models import Attendance, Enrolment
from tests.factories import EnrolmentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _past_session():
    today = datetime.date.today()
    return SessionFactory(
        registration_deadline=today - datetime.timedelta(days=20),
        days=[today - datetime.timedelta(days=3), today - datetime.timedelta(days=2)],
    )


def _mark(enrolment, day, half_day, status=Attendance.Status.PRESENT):
    return Attendance.objects.create(enrolment=enrolment, day=day, half_day=half_day, status=status)


def test_hours_attended_sums_the_half_days_marked_present():
    session = _past_session()
    first, second = session.sorted_days
    enrolment = EnrolmentFactory(session=session)
    _mark(enrolment, first, "am")  # 9:00-12:30: 3.5 h
    _mark(enrolment, first, "pm", Attendance.Status.ABSENT)
    _mark(enrolment, second, "am", Attendance.Status.EXCUSED)
    _mark(enrolment, second, "pm")  # 13:30-17:00: 3.5 h

    assert hours_attended(enrolment) == Decimal("7")


def test_hours_attended_follows_the_days_own_times():
    session = _past_session()
    first, _ = session.sorted_days
    first.morning_start = datetime.time(9, 15)
    first.morning_end = datetime.time(12, 0)
    first.save()
    enrolment = EnrolmentFactory(session=session)
    _mark(enrolment, first, "am")

    assert hours_attended(enrolment) == Decimal("2.75")


def test_hours_attended_without_marks_is_zero():
    assert hours_attended(EnrolmentFactory(session=_past_session())) == Decimal(0)


def test_attendance_is_recorded_once_every_confirmed_trainee_has_every_half_day():
    session = _past_session()
    first, second = session.sorted_days
    trainee_a, trainee_b = EnrolmentFactory.create_batch(2, session=session)
    EnrolmentFactory(session=session, status=Enrolment.Status.CANCELLED)
    for enrolment in (trainee_a, trainee_b):
        for day in (first, second):
            for half_day in ("am", "pm"):
                if (enrolment, day, half_day) != (trainee_b, second, "pm"):
                    _mark(enrolment, day, half_day, Attendance.Status.ABSENT)

    assert not attendance_grid(session).recorded
    _mark(trainee_b, second, "pm")
    assert attendance_grid(session).recorded


def test_a_session_without_any_mark_has_no_attendance_recorded():
    session = _past_session()
    EnrolmentFactory(session=session)
    assert not attendance_grid(session).recorded


# One rule, three readers: the grid's (the session's page), the trainee's (the documents) and
# the SQL condition (the space's home) agree on every case.


def _mark_all(enrolment, session, *, except_=()):
    for day in session.sorted_days:
        for half_day in ("am", "pm"):
            if (day.date, half_day) not in except_ and (
                half_day == "am" or day.afternoon_start is not None
            ):
                _mark(enrolment, day, half_day, Attendance.Status.ABSENT)


def _no_trainee(session):
    return None


def _unmarked(session):
    EnrolmentFactory(session=session)


def _all_marked(session):
    for enrolment in EnrolmentFactory.create_batch(2, session=session):
        _mark_all(enrolment, session)


def _one_half_day_missing(session):
    complete, partial = EnrolmentFactory.create_batch(2, session=session)
    _mark_all(complete, session)
    _mark_all(partial, session, except_={(session.sorted_days[-1].date, "pm")})


def _only_a_cancelled_enrolments_marks(session):
    EnrolmentFactory(session=session)
    _mark_all(EnrolmentFactory(session=session, status=Enrolment.Status.CANCELLED), session)


def _waitlisted_unmarked(session):
    _mark_all(EnrolmentFactory(session=session), session)
    EnrolmentFactory(session=session, status=Enrolment.Status.WAITLISTED)


def _an_afternoon_that_does_not_take_place(session):
    last = session.sorted_days[-1]
    last.afternoon_start = last.afternoon_end = None
    last.save()
    session.refresh_from_db()
    _mark_all(EnrolmentFactory(session=session), session)


def _without_days(session):
    session.days.all().delete()
    EnrolmentFactory(session=session)


@pytest.mark.parametrize(
    "arrange, expected",
    [
        (_no_trainee, True),
        (_unmarked, False),
        (_all_marked, True),
        (_one_half_day_missing, False),
        (_only_a_cancelled_enrolments_marks, False),
        (_waitlisted_unmarked, True),
        (_an_afternoon_that_does_not_take_place, True),
        (_without_days, False),
    ],
)
def test_the_session_the_trainee_and_the_sql_say_the_same(arrange, expected):
    session = _past_session()
    arrange(session)
    session = Session.objects.prefetch_related("days").get(pk=session.pk)

    assert attendance_grid(session).recorded is expected
    in_sql = Session.objects.filter(attendance_recorded_expression(), pk=session.pk).exists()
    assert in_sql is expected
    confirmed = (
        Enrolment.objects.filter(session=session, status=Enrolment.Status.CONFIRMED)
        .prefetch_related("attendances")
        .order_by("pk")
    )
    per_trainee = [enrolment_attendance_recorded(enrolment) for enrolment in confirmed]
    # The session's answer is every trainee's, but a session has nothing to record without
    # trainees, and nothing recorded without half-days.
    assert (bool(session.sorted_days) and all(per_trainee)) is expected


def test_the_grid_says_the_same():
    session = _past_session()
    _one_half_day_missing(session)
    session = Session.objects.prefetch_related("days").get(pk=session.pk)

    grid = attendance_grid(session)

    assert not grid.recorded
    assert [row.recorded for row in grid.rows] == [
        enrolment_attendance_recorded(row.enrolment) for row in grid.rows
    ]
    assert len(grid.rows_to_record) == 1

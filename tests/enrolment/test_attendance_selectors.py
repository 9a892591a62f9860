"""hours_attended and attendance_recorded: what the documents and the dashboard read."""

import datetime
from decimal import Decimal

import pytest

from enrolment.attendance import attendance_recorded, hours_attended
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

    assert not attendance_recorded(session)
    _mark(trainee_b, second, "pm")
    assert attendance_recorded(session)


def test_a_session_without_any_mark_has_no_attendance_recorded():
    session = _past_session()
    EnrolmentFactory(session=session)
    assert not attendance_recorded(session)

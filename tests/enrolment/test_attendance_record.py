"""attendance_record: a session's grid in one transaction, only its confirmed trainees, its
half-days that take place and the days that have started; anything else refuses the whole
grid, with nothing saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogue.models import Session
from enrolment.attendance import attendance_record
from enrolment.models import Attendance, Enrolment
from enrolment.transitions import Actor
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def running():
    today = timezone.localdate()
    session = SessionFactory(
        registration_deadline=today - datetime.timedelta(days=10),
        days=[today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)],
    )
    first = session.sorted_days[0]
    # The first day has a morning only.
    first.afternoon_start = first.afternoon_end = None
    first.save()
    return session


@pytest.fixture
def by():
    return Actor.staff(UserFactory())


def record(session, marks, by):
    return attendance_record(session_id=session.pk, marks=marks, by=by)


def test_records_then_updates_only_what_changed(running, by):
    enrolment = EnrolmentFactory(session=running)
    first, _ = running.sorted_days
    assert record(running, {(enrolment.pk, first.pk, "am"): "absent"}, by) == (1, 0)
    assert record(running, {(enrolment.pk, first.pk, "am"): "absent"}, by) == (0, 0)
    assert record(running, {(enrolment.pk, first.pk, "am"): "excused"}, by) == (0, 1)
    assert Attendance.objects.get().status == "excused"


@pytest.mark.parametrize(
    "case",
    ["future_day", "missing_half_day", "unconfirmed", "other_session", "unknown_status"],
)
def test_a_bad_mark_refuses_the_whole_grid(running, by, case):
    enrolment = EnrolmentFactory(session=running)
    first, second = running.sorted_days
    good = {(enrolment.pk, first.pk, "am"): "present"}
    if case == "future_day":
        bad = {(enrolment.pk, second.pk, "am"): "present"}
    elif case == "missing_half_day":
        bad = {(enrolment.pk, first.pk, "pm"): "present"}
    elif case == "unconfirmed":
        waiting = EnrolmentFactory(session=running, status=Enrolment.Status.WAITLISTED)
        bad = {(waiting.pk, first.pk, "am"): "present"}
    elif case == "other_session":
        other = SessionFactory(
            registration_deadline=timezone.localdate() - datetime.timedelta(days=10),
            days=[timezone.localdate() - datetime.timedelta(days=2)],
        )
        stranger = EnrolmentFactory(session=other)
        bad = {(stranger.pk, other.sorted_days[0].pk, "am"): "present"}
    else:
        bad = {(enrolment.pk, first.pk, "am"): "asleep"}
        good = {}

    with pytest.raises(ValidationError):
        record(running, {**good, **bad}, by)
    assert not Attendance.objects.exists()


def test_a_day_starts_at_its_first_half_day(running, by):
    if timezone.localtime().time() >= datetime.time(23, 58):
        pytest.skip("the half-day would have started")
    enrolment = EnrolmentFactory(session=running)
    today = timezone.localdate()
    day = running.days.create(
        date=today,
        morning_start=datetime.time(23, 58),
        morning_end=datetime.time(23, 59),
    )
    with pytest.raises(ValidationError):
        record(running, {(enrolment.pk, day.pk, "am"): "present"}, by)


def test_a_cancelled_session_is_refused_with_its_reason(running, by):
    enrolment = EnrolmentFactory(session=running)
    first, _ = running.sorted_days
    Session.objects.filter(pk=running.pk).update(status=Session.Status.CANCELLED)

    for marks in ({(enrolment.pk, first.pk, "am"): "present"}, {}):
        with pytest.raises(ValidationError) as refused:
            record(running, marks, by)
        assert refused.value.messages == [
            "La session est annulée\u00a0: sa feuille de présence ne se saisit plus."
        ]
    assert not Attendance.objects.exists()

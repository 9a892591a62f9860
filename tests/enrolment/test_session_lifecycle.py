"""The session lifecycle services: create, change (fields and days together), submit, publish.
Cancellation and capacity have their own files (tests/jobs/test_closing.py,
test_session_capacity.py)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogue.models import Session, SessionDay
from enrolment.models import Attendance, Enrolment, Transition
from enrolment.services import EnrolmentError
from enrolment.session_services import (
    session_change,
    session_create,
    session_publish,
    session_submit,
)
from enrolment.transitions import Actor
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    OpcoContactFactory,
    ProviderFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STAFF = Actor.staff(None)
IN_TWO_MONTHS = timezone.localdate() + datetime.timedelta(days=60)


def _day(date, **overrides):
    return {
        "date": date,
        "morning_start": datetime.time(9, 0),
        "morning_end": datetime.time(12, 30),
        "afternoon_start": datetime.time(13, 30),
        "afternoon_end": datetime.time(17, 0),
        **overrides,
    }


def _fields(**overrides):
    return {
        "module": ModuleFactory(),
        "provider": ProviderFactory(),
        "label": "Groupe 1",
        "city": "Tours",
        "postcode": "37000",
        "department": "37",
        "region": "Centre-Val de Loire",
        "registration_deadline": IN_TWO_MONTHS - datetime.timedelta(days=21),
        "capacity": 12,
        "min_participants": 6,
        "opco_contact": OpcoContactFactory(),
        **overrides,
    }


def test_created_session_is_a_draft_with_its_days_trainers_and_history():
    fields = _fields()
    trainer = TrainerFactory(provider=fields["provider"])

    session = session_create(
        fields=fields,
        days=[_day(IN_TWO_MONTHS), _day(IN_TWO_MONTHS + datetime.timedelta(days=1))],
        trainer_ids=[trainer.pk],
        by=STAFF,
    )

    session.refresh_from_db()
    assert session.status == Session.Status.DRAFT
    assert [day.date for day in session.sorted_days] == [
        IN_TWO_MONTHS,
        IN_TWO_MONTHS + datetime.timedelta(days=1),
    ]
    assert list(session.trainers.all()) == [trainer]
    assert list(Transition.objects.values_list("from_status", "to_status", "actor_kind")) == [
        ("", "draft", "staff")
    ]


def test_session_with_a_day_before_its_deadline_is_not_created():
    fields = _fields()

    with pytest.raises(ValidationError) as error:
        session_create(
            fields=fields,
            days=[_day(fields["registration_deadline"] - datetime.timedelta(days=1))],
            by=STAFF,
        )

    assert "registration_deadline" in error.value.message_dict
    assert not Session.objects.exists()


def test_session_with_a_department_outside_its_region_is_not_created():
    with pytest.raises(ValidationError) as error:
        session_create(fields=_fields(department="75"), days=[_day(IN_TWO_MONTHS)], by=STAFF)

    assert "region" in error.value.message_dict
    assert not Session.objects.exists()


def test_change_moves_the_days_and_the_deadline_together():
    session = SessionFactory()
    later = datetime.timedelta(days=90)
    days = [
        {"id": day.pk, **_day(day.date + later)} for day in session.sorted_days
    ]  # the new deadline falls after the saved days, before the new ones

    session_change(
        session_id=session.pk,
        fields={"registration_deadline": session.last_day + datetime.timedelta(days=1)},
        days=days,
        by=STAFF,
    )

    session.refresh_from_db()
    assert session.registration_deadline < session.first_day
    assert session.first_day == days[0]["date"]


def test_change_keeps_the_rows_of_kept_days_and_their_attendance():
    session = SessionFactory()
    first, second = session.sorted_days
    enrolment = EnrolmentFactory(session=session)
    Attendance.objects.create(enrolment=enrolment, day=first, half_day="am")

    session_change(
        session_id=session.pk,
        fields={},
        days=[{"id": first.pk, **_day(first.date, afternoon_start=None, afternoon_end=None)}],
        by=STAFF,
    )

    assert list(SessionDay.objects.filter(session=session).values_list("pk", flat=True)) == [
        first.pk
    ]
    assert Attendance.objects.filter(day=first).count() == 1
    first.refresh_from_db()
    assert first.afternoon_start is None


def test_change_refused_leaves_the_session_and_its_days_unchanged():
    session = SessionFactory()
    dates = [day.date for day in session.sorted_days]

    with pytest.raises(ValidationError):
        session_change(
            session_id=session.pk,
            fields={"label": "Groupe 9"},
            days=[_day(session.registration_deadline)],
            by=STAFF,
        )

    session.refresh_from_db()
    assert session.label != "Groupe 9"
    assert [day.date for day in session.sorted_days] == dates


def test_change_of_a_published_session_to_no_day_is_refused():
    session = SessionFactory(status=Session.Status.PUBLISHED)

    with pytest.raises(ValidationError) as error:
        session_change(session_id=session.pk, fields={}, days=[], by=STAFF)

    assert "days" in error.value.message_dict


def test_change_below_the_seats_held_is_refused():
    session = SessionFactory(capacity=8, min_participants=2)
    EnrolmentFactory.create_batch(3, session=session)

    with pytest.raises(EnrolmentError):
        session_change(session_id=session.pk, fields={"capacity": 2}, by=STAFF)

    session.refresh_from_db()
    assert session.capacity == 8


def test_larger_capacity_offers_the_freed_seat_to_the_waiting_list():
    session = SessionFactory(capacity=1, min_participants=1)
    EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )

    session_change(session_id=session.pk, fields={"capacity": 2}, by=STAFF)

    waiting.refresh_from_db()
    assert waiting.has_outstanding_offer


def test_submit_sends_a_draft_to_the_opco_and_records_who():
    member = UserFactory()
    ProviderFactory().members.add(member)
    session = SessionFactory(status=Session.Status.DRAFT)

    session_submit(session_id=session.pk, by=Actor.provider(member))

    session.refresh_from_db()
    assert session.status == Session.Status.SUBMITTED
    transition = Transition.objects.get(session=session)
    assert (transition.from_status, transition.to_status, transition.actor) == (
        "draft",
        "submitted",
        member,
    )


def test_only_a_draft_can_be_submitted():
    session = SessionFactory(status=Session.Status.PUBLISHED)

    with pytest.raises(ValidationError):
        session_submit(session_id=session.pk, by=STAFF)

    assert not Transition.objects.exists()


def test_publish_works_on_the_row_as_it_is_now_not_as_a_page_loaded_it():
    session = SessionFactory(status=Session.Status.SUBMITTED, trainers=True)
    stale = Session.objects.get(pk=session.pk)
    Session.objects.filter(pk=session.pk).update(capacity=20, label="Groupe 7")

    session_publish(session_id=stale.pk, by=STAFF)

    session.refresh_from_db()
    assert (session.status, session.capacity, session.label) == ("published", 20, "Groupe 7")


def test_publishing_twice_records_one_transition():
    session = SessionFactory(status=Session.Status.SUBMITTED, trainers=True)

    session_publish(session_id=session.pk, by=STAFF)
    session_publish(session_id=session.pk, by=STAFF)

    assert list(Transition.objects.values_list("from_status", "to_status")) == [
        ("submitted", "published")
    ]

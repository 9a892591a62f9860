"""Each database constraint rejects the bad row it exists for."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from catalogue.models import SessionDay
from enrolment.models import Enrolment
from enrolment.session_services import session_change
from enrolment.transitions import Actor
from tests.factories import (
    EnrolmentFactory,
    SessionDayFactory,
    SessionFactory,
    TraineeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def assert_rejected(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_capacity_below_minimum_is_rejected():
    assert_rejected(lambda: SessionFactory(capacity=4, min_participants=6))


def test_capacity_equal_to_minimum_is_accepted():
    assert SessionFactory(capacity=6, min_participants=6).pk


def test_two_days_on_the_same_date_are_rejected():
    session = SessionFactory()
    assert_rejected(lambda: SessionDayFactory(session=session, date=session.first_day))


@pytest.mark.parametrize(
    "times",
    [
        {"morning_start": datetime.time(12, 30), "morning_end": datetime.time(9, 0)},
        {"morning_start": datetime.time(9, 0), "morning_end": None},
        {"afternoon_start": datetime.time(17, 0), "afternoon_end": datetime.time(13, 30)},
        {"afternoon_start": None, "afternoon_end": datetime.time(17, 0)},
        {"morning_end": datetime.time(14, 0), "afternoon_start": datetime.time(13, 30)},
        {
            "morning_start": None,
            "morning_end": None,
            "afternoon_start": None,
            "afternoon_end": None,
        },
    ],
)
def test_badly_ordered_or_empty_half_days_are_rejected(times):
    session = SessionFactory(days=[])
    assert_rejected(
        lambda: SessionDayFactory(session=session, date=datetime.date(2030, 1, 7), **times)
    )


def test_a_half_day_alone_is_a_valid_day():
    day = SessionDayFactory(afternoon_start=None, afternoon_end=None)
    assert day.hours == 3.5


def test_second_active_enrolment_of_a_trainee_in_a_session_is_rejected():
    enrolment = EnrolmentFactory()
    assert_rejected(lambda: EnrolmentFactory(trainee=enrolment.trainee, session=enrolment.session))


def test_a_cancelled_enrolment_does_not_block_a_new_one():
    enrolment = EnrolmentFactory(status=Enrolment.Status.CANCELLED)
    again = EnrolmentFactory(trainee=enrolment.trainee, session=enrolment.session)
    assert again.status == Enrolment.Status.CONFIRMED


def test_unknown_enrolment_status_is_rejected():
    assert_rejected(lambda: EnrolmentFactory(status="maybe"))


def test_unknown_session_status_is_rejected():
    assert_rejected(lambda: SessionFactory(status="archived"))


def test_trainee_email_is_unique_whatever_the_case():
    TraineeFactory(email="lea.bernard@ccas.example.org")
    assert_rejected(lambda: TraineeFactory(email="Lea.Bernard@CCAS.example.org"))


def test_user_email_is_unique_whatever_the_case():
    UserFactory(email="karine@opco.example.org")
    assert_rejected(lambda: User.objects.create_user("Karine@OPCO.example.org", "x"))


def test_deadline_on_or_after_the_first_day_is_invalid():
    # A rule over the session and its days: the lifecycle service checks it, not the model.
    session = SessionFactory()
    with pytest.raises(ValidationError) as error:
        session_change(
            session_id=session.pk,
            fields={"registration_deadline": session.first_day},
            by=Actor.staff(None),
        )
    assert "registration_deadline" in error.value.message_dict


def test_department_outside_the_region_is_invalid():
    session = SessionFactory(department="57", region="Centre-Val de Loire")
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert "region" in error.value.message_dict


def test_derived_values_follow_the_days():
    session = SessionFactory(days=[datetime.date(2030, 3, 5), datetime.date(2030, 3, 4)])
    SessionDay.objects.filter(session=session, date=datetime.date(2030, 3, 5)).update(
        afternoon_start=None, afternoon_end=None
    )
    session.refresh_from_db()
    assert session.first_day == datetime.date(2030, 3, 4)
    assert session.last_day == datetime.date(2030, 3, 5)
    assert session.total_hours == 10.5

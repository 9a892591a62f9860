"""When a session is over: enrolment.selectors.session_has_ended (once its last half-day has
ended), and retention's date-only rule for anonymisation, which is never earlier (README, "One
rule, one function")."""

import datetime

import pytest
from django.utils import timezone

from enrolment.models import Enrolment
from enrolment.retention import trainee_anonymise_refusal
from enrolment.selectors import session_has_ended
from tests.factories import EnrolmentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_anonymisation_waits_for_the_day_after_the_last_half_day():
    enrolment = EnrolmentFactory(
        session=SessionFactory(starts_in=-40), status=Enrolment.Status.CONFIRMED
    )
    session = enrolment.session
    last = session.sorted_days[-1]
    evening = timezone.make_aware(datetime.datetime.combine(last.date, datetime.time(23)))

    # Over by session_has_ended's rule that evening...
    assert session_has_ended(session, now=evening)
    # ...but its trainee is kept from anonymisation until the day after.
    assert trainee_anonymise_refusal(enrolment.trainee, today=last.date, opco=None)
    next_day = last.date + datetime.timedelta(days=1)
    assert trainee_anonymise_refusal(enrolment.trainee, today=next_day, opco=None) is None
    # Before its last half-day ends, both say it is not over.
    morning = timezone.make_aware(datetime.datetime.combine(last.date, datetime.time(8)))
    assert not session_has_ended(session, now=morning)

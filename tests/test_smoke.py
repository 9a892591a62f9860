import pytest

from enrolment.selectors import registration_closed_reason, seats_left
from tests.factories import EnrolmentFactory, SessionFactory


@pytest.mark.django_db
def test_factories_build_a_consistent_session():
    session = SessionFactory()
    EnrolmentFactory(session=session)
    assert session.days.count() == 2
    assert session.total_hours == 14
    assert seats_left(session) == session.capacity - 1
    assert registration_closed_reason(session) is None

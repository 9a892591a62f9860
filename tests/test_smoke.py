import pytest

from tests.factories import EnrolmentFactory, SessionFactory


@pytest.mark.django_db
def test_factories_build_a_consistent_session():
    session = SessionFactory()
    EnrolmentFactory(session=session)
    assert session.days.count() == 2
    assert session.total_hours == 14
    assert session.seats_left == session.capacity - 1
    assert session.is_registration_open

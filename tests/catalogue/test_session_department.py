"""A department that is none is refused by its field: the session's check of the department
against the region looked it up and raised KeyError, a 500 for whoever saved the session
through the lifecycle's services."""

import pytest
from django.core.exceptions import ValidationError

from enrolment.session_services import session_change
from enrolment.transitions import Actor
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("department", ["0", "999", "2a", "45 "])
def test_an_unknown_department_is_a_field_error(department):
    session = SessionFactory()
    session.department = department

    with pytest.raises(ValidationError) as error:
        session.full_clean()

    assert list(error.value.message_dict) == ["department"]


def test_the_services_refuse_an_unknown_department():
    session = SessionFactory()

    with pytest.raises(ValidationError):
        session_change(session_id=session.pk, fields={"department": "0"}, by=Actor.job("tests"))


def test_a_department_of_another_region_is_still_refused():
    session = SessionFactory(department="45", region="Centre-Val de Loire")
    session.department = "67"

    with pytest.raises(ValidationError) as error:
        session.full_clean()

    assert list(error.value.message_dict) == ["region"]

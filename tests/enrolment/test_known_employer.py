"""An employer known by its SIRET takes the OPCO member number an enrolment brings when it had
none: the number was saved unchecked, 51 characters into a 50-character column (a DataError on
PostgreSQL), whoever called the service."""

import pytest
from django.core.exceptions import ValidationError

from enrolment import services
from enrolment.models import Enrolment
from enrolment.transitions import Actor
from tests.enrolment.helpers import VALID_SIRET, employer_data, enrolment_data, trainee_data
from tests.factories import EmployerFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _create(session, **employer):
    return services.enrolment_create(
        session_id=session.pk,
        trainee_data=trainee_data(),
        employer_data=employer_data(**employer),
        enrolment_data=enrolment_data(),
        consent=True,
        by=Actor.trainee(),
    )


def test_a_member_number_too_long_for_a_known_employer_is_refused():
    employer = EmployerFactory(siret=VALID_SIRET, opco_member_number="")

    with pytest.raises(ValidationError) as error:
        _create(SessionFactory(), opco_member_number="0" * 51)

    assert list(error.value.message_dict) == ["opco_member_number"]
    employer.refresh_from_db()
    assert employer.opco_member_number == ""
    assert not Enrolment.objects.exists()


def test_a_known_employer_takes_the_member_number_it_lacked():
    employer = EmployerFactory(siret=VALID_SIRET, opco_member_number="")

    result = _create(SessionFactory(), opco_member_number="ADH-2024-0042")

    employer.refresh_from_db()
    assert result.enrolment.employer == employer
    assert employer.opco_member_number == "ADH-2024-0042"

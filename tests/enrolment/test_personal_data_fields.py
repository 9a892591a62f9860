"""The RGPD export (enrolment.personal_data) holds every field the enrolment form asks: its
lists are the services' (TRAINEE_FIELDS, EMPLOYER_FIELDS, ENROLMENT_FIELDS), not copies."""

import pytest

from enrolment.models import Employer, Enrolment, Trainee
from enrolment.personal_data import trainee_data
from enrolment.services import EMPLOYER_FIELDS, ENROLMENT_FIELDS, TRAINEE_FIELDS
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def _labels(model, names):
    return {str(model._meta.get_field(name).verbose_name) for name in names}


def test_every_form_field_is_in_the_export():
    enrolment = EnrolmentFactory()
    assert enrolment.trainee.employer is not None

    data = trainee_data(enrolment.trainee)

    assert set(data["stagiaire"]) == _labels(
        Trainee, (*TRAINEE_FIELDS, "created_at", "anonymised_at")
    )
    [exported] = data["inscriptions"]
    assert _labels(Enrolment, ENROLMENT_FIELDS) <= set(exported)
    employer = data[str(Trainee._meta.get_field("employer").verbose_name)]
    assert _labels(Employer, EMPLOYER_FIELDS) <= set(employer)

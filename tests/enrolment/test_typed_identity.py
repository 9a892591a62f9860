"""What the enrolment form sends is checked as the trainee would hold it, whether the address
is known or not, and each refusal of the service shows next to its field. Before:

- the identity typed with a known address was first checked at the confirmation, whose link
  then answered 500: a phone the service was given as it came, or a first name within the
  form's 100 characters that NFC (which the cleaning applies) makes longer;
- the service's refusal of the employer's "name" (the form's "employer_name") raised
  ValueError in the view."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from enrolment.forms import EnrolmentForm
from enrolment.models import Employer, Enrolment, Trainee
from tests.enrolment.helpers import enrol, form_data, submit
from tests.factories import SessionFactory, TraineeFactory

pytestmark = pytest.mark.django_db

# DEVANAGARI LETTER QA: NFC makes it two characters.
EXPANDING = "\u0958"
KNOWN = "connue@ccas.example.org"


def _enrol_form(client, session, **overrides):
    return client.post(reverse("enrolment:enrol", args=[session.pk]), form_data(**overrides))


def test_an_identity_a_known_trainee_cannot_hold_is_refused_when_sent():
    session = SessionFactory()
    TraineeFactory(email=KNOWN)

    with pytest.raises(ValidationError) as error:
        submit(session, email=KNOWN, phone="pas un numéro")

    assert list(error.value.message_dict) == ["phone"]
    assert not Enrolment.objects.exists()


def test_the_form_refuses_a_name_too_long_once_cleaned_with_a_known_address(client):
    session = SessionFactory()
    TraineeFactory(email=KNOWN)

    response = _enrol_form(client, session, email=KNOWN, first_name=EXPANDING * 60)

    assert response.status_code == 200
    assert "first_name" in response.context["form"].errors
    assert not Enrolment.objects.exists()


def test_a_known_address_with_a_valid_identity_enrols_and_takes_it_on_confirmation():
    session = SessionFactory()
    trainee = TraineeFactory(email=KNOWN)

    enrol(session, email=KNOWN, first_name="Zoé", phone="+33 6 98 76 54 32")

    trainee.refresh_from_db()
    assert (trainee.first_name, trainee.phone) == ("Zoé", "06 98 76 54 32")


def test_the_employers_name_refused_by_the_service_shows_next_to_its_field(client):
    session = SessionFactory()

    response = _enrol_form(client, session, employer_name=EXPANDING * 150)

    assert response.status_code == 200
    assert "employer_name" in response.context["form"].errors
    assert not Employer.objects.exists()
    assert not Trainee.objects.exists()


def test_service_errors_on_what_the_form_does_not_ask_show_above_it():
    form = EnrolmentForm(form_data(), session=SessionFactory())
    assert form.is_valid()

    form.add_service_error(
        ValidationError({"name": "Trop long.", "last_name": "Vide.", "held_status": "Non."})
    )

    assert form.errors["employer_name"] == ["Trop long."]
    assert form.errors["last_name"] == ["Vide."]
    assert form.non_field_errors() == ["Non."]

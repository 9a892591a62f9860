"""Input that answered 500: Unicode digits in SIRETs and postcodes, over-long e-mail addresses.
Each must answer a form error, and save nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue.models import Provider, siret_validator
from enrolment.forms import EnrolmentForm
from enrolment.models import Employer, Enrolment, ReminderSubscription, Trainee
from enrolment.validators import siret_is_valid, validate_siret
from tests.admin.formdata import admin_form_data
from tests.enrolment.helpers import form_data
from tests.factories import EmployerFactory, EnrolmentFactory, ProviderFactory, SessionFactory

pytestmark = pytest.mark.django_db

# Digits that str.isdigit() accepts; int() refuses the first two.
SUPERSCRIPT_SIRET = "7328293200007²"
CIRCLED_SIRET = "7328293200007①"
ARABIC_INDIC_SIRET = "٧٣٢٨٢٩٣٢٠٠٠٠٧٤"  # 73282932000074, in Arabic-Indic digits
FULLWIDTH_SIRET = "７３２８２９３２０００７４"
UNICODE_SIRETS = [SUPERSCRIPT_SIRET, CIRCLED_SIRET, ARABIC_INDIC_SIRET, FULLWIDTH_SIRET]


@pytest.mark.parametrize("siret", [*UNICODE_SIRETS, "00000000000000", "000 000 000 00000"])
def test_siret_validator_refuses_non_ascii_digits_and_zeros(siret):
    assert not siret_is_valid(siret)
    with pytest.raises(ValidationError):
        validate_siret(siret)


@pytest.mark.parametrize("siret", [ARABIC_INDIC_SIRET, FULLWIDTH_SIRET, "00000000000000"])
def test_model_siret_validator_refuses_non_ascii_digits_and_zeros(siret):
    with pytest.raises(ValidationError):
        siret_validator(siret)


def _enrol(client, session, **overrides):
    return client.post(reverse("enrolment:enrol", args=[session.pk]), form_data(**overrides))


@pytest.mark.parametrize("siret", [*UNICODE_SIRETS, "00000000000000"])
def test_enrolment_form_answers_a_siret_error_for_unicode_digits(client, siret):
    session = SessionFactory()

    response = _enrol(client, session, siret=siret)

    assert response.status_code == 200
    assert "siret" in response.context["form"].errors
    assert not Enrolment.objects.exists()
    assert not Trainee.objects.exists()
    assert not Employer.objects.exists()


@pytest.mark.parametrize("postcode", ["٤٥٠٠٠", "４５０００", "4500²", "45 00"])
def test_enrolment_form_answers_a_postcode_error_for_unicode_digits(client, postcode):
    session = SessionFactory()

    response = _enrol(client, session, postcode=postcode)

    assert response.status_code == 200
    assert "postcode" in response.context["form"].errors
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Provider, "siret", ARABIC_INDIC_SIRET),
        (Provider, "siret", "00000000000000"),
        (Provider, "postcode", "٤٥٠٠٠"),
        (Employer, "siret", FULLWIDTH_SIRET),
        (Employer, "siret", "00000000000000"),
        (Employer, "postcode", "４５０００"),
    ],
)
def test_models_refuse_unicode_digits_and_zero_sirets(model, field, value):
    row = ProviderFactory.build() if model is Provider else EmployerFactory.build()
    setattr(row, field, value)

    with pytest.raises(ValidationError) as error:
        row.full_clean(exclude=["members"])
    assert field in error.value.message_dict


@pytest.mark.parametrize("siret", [ARABIC_INDIC_SIRET, "00000000000000", SUPERSCRIPT_SIRET])
def test_admin_provider_form_refuses_a_unicode_siret(staff_client, siret):
    provider = ProviderFactory(siret="73282932000074")
    url = reverse("admin:catalogue_provider_change", args=[provider.pk])
    data = admin_form_data(staff_client.get(url))
    data["siret"] = siret

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "siret" in response.context["adminform"].form.errors
    provider.refresh_from_db()
    assert provider.siret == "73282932000074"


def test_admin_employer_form_refuses_a_unicode_siret(staff_client):
    # An employer of a trainee enrolled in the staff member's OPCO's programme.
    employer = EmployerFactory()
    EnrolmentFactory(employer=employer)
    url = reverse("admin:enrolment_employer_change", args=[employer.pk])
    data = admin_form_data(staff_client.get(url))
    data["siret"] = FULLWIDTH_SIRET

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "siret" in response.context["adminform"].form.errors


# E-mail addresses: the models hold 254 characters, the forms allowed 320.


def _email_of(length):
    """A valid address of `length` characters: a 64-character local part, 60-character
    labels."""
    body = length - len("a" * 64 + "@") - len(".fr")
    labels = (("b" * 60 + ".") * 6)[:body]
    if labels.endswith("."):
        labels = labels[:-1] + "b"
    email = f"{'a' * 64}@{labels}.fr"
    assert len(email) == length
    return email


@pytest.mark.parametrize("length", [255, 300, 320])
def test_reminder_form_refuses_an_address_longer_than_254(client, length):
    session = SessionFactory()

    response = client.post(
        reverse("enrolment:reminder_subscribe", args=[session.pk]), {"email": _email_of(length)}
    )

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not ReminderSubscription.objects.exists()


@pytest.mark.parametrize("field", ["email", "employer_contact_email"])
def test_enrolment_form_refuses_addresses_longer_than_254(client, field):
    session = SessionFactory()

    response = _enrol(client, session, **{field: _email_of(300)})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Enrolment.objects.exists()


def test_link_request_form_refuses_an_address_longer_than_254(client):
    response = client.post(reverse("enrolment:link_request"), {"email": _email_of(300)})

    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_enrolment_form_accepts_an_address_of_254():
    form = EnrolmentForm(form_data(email=_email_of(254)), session=SessionFactory())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == _email_of(254)


def test_providers_login_form_refuses_an_address_longer_than_254(client):
    response = client.post(
        reverse("providers:login"), {"username": _email_of(300), "password": "x"}
    )

    assert response.status_code == 200
    assert "username" in response.context["form"].errors

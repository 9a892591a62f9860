"""E-mail addresses typed in the public forms: at most 254 characters (the models' limit), no
control or format character, a domain with a dot (Django's validator lets "localhost" and
IP literals through)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from enrolment.forms import EnrolmentForm, LinkRequestForm, PublicEmailField, ReminderForm
from enrolment.models import ReminderSubscription
from tests.enrolment.helpers import form_data
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

REFUSED = [
    "lea@localhost",
    "lea@LOCALHOST",
    "lea@[127.0.0.1]",
    "lea@[IPv6:::1]",
    '"lea\x01"@ccas.example.org',
    '"lea\x7f"@ccas.example.org',
    "lea@ccas\u202e.example.org",
    "lea@ccas\u200b.example.org",
]


@pytest.mark.parametrize("email", REFUSED)
def test_public_email_field_refuses_controls_and_dotless_domains(email):
    field = PublicEmailField()
    with pytest.raises(ValidationError):
        field.clean(email)


@pytest.mark.parametrize(
    "email", ["lea.bernard@ccas.example.org", "lea+formation@exämple.fr", "l@a.fr"]
)
def test_public_email_field_accepts_ordinary_addresses(email):
    assert PublicEmailField().clean(email) == email


def test_public_email_field_holds_254_characters():
    assert PublicEmailField().max_length == 254


@pytest.mark.parametrize("field", ["email", "employer_contact_email"])
@pytest.mark.parametrize("email", REFUSED[:4])
def test_enrolment_form_refuses_the_addresses(field, email):
    form = EnrolmentForm(form_data(**{field: email}), session=SessionFactory())

    assert not form.is_valid()
    assert field in form.errors


@pytest.mark.parametrize("form_class", [LinkRequestForm, ReminderForm])
@pytest.mark.parametrize("email", REFUSED)
def test_address_only_forms_refuse_the_addresses(form_class, email):
    form = form_class({"email": email})

    assert not form.is_valid()
    assert "email" in form.errors


def test_reminder_request_for_localhost_saves_nothing(client):
    session = SessionFactory()

    response = client.post(
        reverse("enrolment:reminder_subscribe", args=[session.pk]), {"email": "root@localhost"}
    )

    assert response.status_code == 200
    assert not ReminderSubscription.objects.exists()

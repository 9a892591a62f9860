"""French phone numbers: typed in any usual way, stored in one spelling ("06 12 34 56 78",
the grouped national form), shown grouped everywhere; numbers that are not French are
refused."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue.templatetags.catalogue_extras import phone, tel
from catalogue.text import normalise_phone, validate_phone
from enrolment.forms import EnrolmentForm
from tests.admin.formdata import admin_form_data
from tests.enrolment.helpers import form_data
from tests.factories import (
    EnrolmentFactory,
    OpcoContactFactory,
    ProviderFactory,
    SessionFactory,
    TraineeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        " 06 12 34 56 78 ",
        "06\u00a012\u00a034\u00a056\u00a078",  # no-break spaces
        "06\u202f12\u202f34\u202f56\u202f78",  # narrow no-break spaces
        "+33 6 12 34 56 78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "+33(0)612345678",
        "+33 06 12 34 56 78",
        "0033 6 12 34 56 78",
        "(0)6 12 34 56 78",
        "06 12 34 56 78",
    ],
)
def test_french_numbers_are_normalised_to_the_grouped_national_form(typed):
    assert normalise_phone(typed) == "06 12 34 56 78"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("02.38.42.28.31", "02 38 42 28 31"),
        ("0590 12 34 56", "05 90 12 34 56"),  # Guadeloupe, same 10-digit plan
        ("0262 12 34 56", "02 62 12 34 56"),  # La Réunion
        ("09 70 00 00 00", "09 70 00 00 00"),
    ],
)
def test_landlines_and_overseas_numbers_follow_the_same_plan(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "06 12 34 56 7",
        "06 12 34 56 789",
        "6 12 34 56 78",
        "00 12 34 56 78",
        "+32 2 123 45 67",
        "+44 20 7946 0958",
        "+33 6 12 34 56",
        "٠٦١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "０６１２３４５６７８",  # fullwidth digits
        "06 12 34 56 7²",
        "06 12 34 56 78 poste 12",
        "06/12/34/56/78",
        "06 12 34 56 78\x00",
    ],
)
def test_other_values_are_not_french_numbers(typed):
    assert normalise_phone(typed) is None
    with pytest.raises(ValidationError):
        validate_phone(typed)


def test_enrolment_form_stores_the_grouped_form():
    form = EnrolmentForm(form_data(phone="+33 (0)6.12.34.56.78"), session=SessionFactory())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "06 12 34 56 78"


@pytest.mark.parametrize("typed", ["12345", "+32 2 123 45 67", "06 12 34 56 7"])
def test_enrolment_form_refuses_a_number_that_is_not_french(client, typed):
    session = SessionFactory()

    response = client.post(reverse("enrolment:enrol", args=[session.pk]), form_data(phone=typed))

    assert response.status_code == 200
    assert "phone" in response.context["form"].errors


def test_trainee_validation_normalises_the_phone():
    trainee = TraineeFactory(phone="06.12.34.56.78")

    trainee.full_clean()

    assert trainee.phone == "06 12 34 56 78"


def test_trainee_validation_refuses_a_number_that_is_not_french():
    trainee = TraineeFactory()
    trainee.phone = "+44 20 7946 0958"

    with pytest.raises(ValidationError) as error:
        trainee.full_clean()
    assert "phone" in error.value.message_dict


@pytest.mark.parametrize("field", ["phone", "disability_contact_phone"])
def test_admin_normalises_a_providers_phones(staff_client, field):
    provider = ProviderFactory()
    url = reverse("admin:catalogue_provider_change", args=[provider.pk])
    data = admin_form_data(staff_client.get(url))
    data[field] = "+33 (0)2.38.42.28.31"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    provider.refresh_from_db()
    assert getattr(provider, field) == "02 38 42 28 31"


@pytest.mark.parametrize("field", ["phone", "disability_contact_phone"])
def test_admin_refuses_a_provider_phone_that_is_not_french(staff_client, field):
    provider = ProviderFactory()
    url = reverse("admin:catalogue_provider_change", args=[provider.pk])
    data = admin_form_data(staff_client.get(url))
    data[field] = "n'importe quoi"

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_admin_refuses_an_opco_contact_phone_that_is_not_french(staff_client):
    contact = OpcoContactFactory()
    url = reverse("admin:catalogue_opcocontact_change", args=[contact.pk])
    data = admin_form_data(staff_client.get(url))
    data["phone"] = "12345"

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0612345678", "06 12 34 56 78"),
        ("06 12 34 56 78", "06 12 34 56 78"),
        ("+33238422831", "02 38 42 28 31"),
        ("02.38.42.28.31", "02 38 42 28 31"),
        # Whatever else was stored before stays readable, as it was.
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("standard : 02 38 42", "standard : 02 38 42"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_filter_groups_french_numbers_and_keeps_anything_else(stored, shown):
    assert phone(stored) == shown


def test_tel_links_take_the_stored_form():
    assert tel("06 12 34 56 78") == "+33612345678"


def test_pages_show_phones_grouped(client):
    provider = ProviderFactory(phone="0238422831", disability_contact_phone="+33387000000")
    contact = OpcoContactFactory(phone="0238422831")
    session = SessionFactory(provider=provider, opco_contact=contact)

    provider_page = client.get(reverse("catalogue:provider_detail", args=[provider.slug]))
    session_page = client.get(reverse("catalogue:session_detail", args=[session.pk]))

    for page in (provider_page, session_page):
        html = page.content.decode()
        assert "03 87 00 00 00" in html
        assert "+33387000000<" not in html
    assert "02 38 42 28 31" in provider_page.content.decode()
    assert "02 38 42 28 31" in session_page.content.decode()


def test_providers_space_shows_the_trainees_phone_grouped(client):
    member = UserFactory()
    session = SessionFactory()
    session.provider.members.add(member)
    EnrolmentFactory(session=session, trainee=TraineeFactory(phone="0612345678"))
    client.force_login(member)

    html = client.get(reverse("providers:session", args=[session.pk])).content.decode()

    assert "06 12 34 56 78" in html
    assert 'href="tel:+33612345678"' in html

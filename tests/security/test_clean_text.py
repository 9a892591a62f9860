"""Names, cities and employer names: bidirectional controls and other format characters
(Unicode category Cf) are stripped, the text is NFC-normalised, and a value made only of
invisible characters is refused. One function, catalogue.text.clean_text, for the enrolment
form and the models' validation (which every service runs before saving)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue.text import clean_text, validate_visible
from enrolment.forms import EnrolmentForm
from enrolment.models import Employer, Enrolment, Trainee
from tests.admin.formdata import admin_form_data
from tests.enrolment.helpers import form_data
from tests.factories import (
    EmployerFactory,
    EnrolmentFactory,
    OpcoContactFactory,
    ProviderFactory,
    SessionFactory,
    TraineeFactory,
    TrainerFactory,
)

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # right-to-left override: "\u202eeuqinimoD" reads "Dominique"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
INVISIBLE_ONLY = [
    "\u200b",  # zero width space (Cf)
    "\u200b\u200c\u200d",
    "\u2066\u2069",
    "\ufeff",  # byte order mark (Cf)
    "\u3164",  # Hangul filler (Lo, drawn as nothing)
    "\u2800",  # braille blank
    "\u00a0\u3000",  # no-break and ideographic spaces
    "\u0301",  # a combining accent alone
]


@pytest.mark.parametrize("control", BIDI)
def test_clean_text_strips_bidirectional_controls(control):
    assert clean_text(f"{control}Dominique{control}") == "Dominique"


def test_clean_text_strips_format_characters_and_keeps_the_rest():
    assert clean_text("Jean\u00ad-\u200bPierre\ufeff") == "Jean-Pierre"
    assert clean_text("  Saint-Étienne-du-Rouvray ") == "Saint-Étienne-du-Rouvray"
    assert clean_text("N'Diaye Ødegård Łukasz 李") == "N'Diaye Ødegård Łukasz 李"


def test_clean_text_normalises_to_nfc():
    decomposed = "Le\u0301a Che\u0301rie"

    assert clean_text(decomposed) == "Léa Chérie"
    assert len(clean_text(decomposed)) == len("Léa Chérie")


@pytest.mark.parametrize("value", INVISIBLE_ONLY)
def test_values_made_only_of_invisible_characters_are_refused(value):
    with pytest.raises(ValidationError):
        validate_visible(value)
    # What clean_text leaves of them is refused too, or empty (the blank rule's business).
    cleaned = clean_text(value)
    if cleaned:
        with pytest.raises(ValidationError):
            validate_visible(cleaned)


def test_visible_values_pass():
    validate_visible("Léa")
    validate_visible("李")


def _form(**overrides):
    return EnrolmentForm(form_data(**overrides), session=SessionFactory())


def test_enrolment_form_strips_controls_from_names_and_cities():
    form = _form(
        first_name=f"{RLO}Léa",
        last_name="Ber\u200bnard",
        city="\u2066Orle\u0301ans\u2069",
        employer_name=f"CCAS{RLO}",
        employer_contact_name="Claire\u2068 Petit",
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["first_name"] == "Léa"
    assert form.cleaned_data["last_name"] == "Bernard"
    assert form.cleaned_data["city"] == "Orléans"
    assert form.cleaned_data["employer_name"] == "CCAS"
    assert form.cleaned_data["employer_contact_name"] == "Claire Petit"


@pytest.mark.parametrize(
    "field", ["first_name", "last_name", "city", "employer_name", "employer_contact_name"]
)
@pytest.mark.parametrize("value", ["\u200b\u200b", "\u3164", "\u2066\u2069"])
def test_enrolment_form_refuses_invisible_names_next_to_the_field(field, value):
    form = _form(**{field: value})

    assert not form.is_valid()
    assert field in form.errors


def test_invisible_name_posted_saves_nothing(client):
    session = SessionFactory()

    response = client.post(
        reverse("enrolment:enrol", args=[session.pk]), form_data(last_name="\u200b\u3164")
    )

    assert response.status_code == 200
    assert "last_name" in response.context["form"].errors
    assert not Enrolment.objects.exists()
    assert not Trainee.objects.exists()


def test_trainee_validation_cleans_names_whoever_saves():
    trainee = TraineeFactory.build(
        first_name=f"{RLO}Le\u0301a", last_name="Bernard\u200b", employer=EmployerFactory()
    )

    trainee.full_clean()

    assert (trainee.first_name, trainee.last_name) == ("Léa", "Bernard")


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (TraineeFactory, "first_name"),
        (TraineeFactory, "last_name"),
        (EmployerFactory, "name"),
        (EmployerFactory, "city"),
        (ProviderFactory, "name"),
        (TrainerFactory, "last_name"),
        (OpcoContactFactory, "first_name"),
        (SessionFactory, "city"),
    ],
)
def test_models_refuse_invisible_names(factory, field):
    row = factory()
    setattr(row, field, "\u200b\u3164")

    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert field in error.value.message_dict


def test_employer_validation_cleans_its_name_and_city():
    employer = Employer(name=f"CCAS{RLO} d'Orléans", city="\u2066Tours\u2069")

    employer.full_clean()

    assert (employer.name, employer.city) == ("CCAS d'Orléans", "Tours")


def test_employer_contact_name_is_cleaned_on_the_enrolment():
    enrolment = EnrolmentFactory()
    enrolment.employer_contact_name = f"{RLO}Claire Petit"

    enrolment.full_clean()

    assert enrolment.employer_contact_name == "Claire Petit"


def test_admin_strips_bidi_controls_from_a_provider_name(staff_client):
    provider = ProviderFactory(name="PRAXIS")
    url = reverse("admin:catalogue_provider_change", args=[provider.pk])
    data = admin_form_data(staff_client.get(url))
    data["name"] = f"{RLO}PRAXIS\u2069"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "PRAXIS"

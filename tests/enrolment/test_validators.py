import pytest
from django.core.exceptions import ValidationError

from enrolment.validators import (
    siret_is_valid,
    validate_job_other,
    validate_prerequisite_declaration,
    validate_siret,
)


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # Luhn key right
        "35600000000048",  # La Poste's head office: Luhn right
        "35600000049837",  # a La Poste establishment: Luhn wrong, digits sum to 45
    ],
)
def test_valid_sirets_pass(siret):
    assert siret_is_valid(siret)


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000075",  # one digit off
        "35600000049838",  # La Poste, sum not a multiple of 5
        "7328293200007",  # 13 digits
        "7328293200007A",
    ],
)
def test_invalid_sirets_fail(siret):
    assert not siret_is_valid(siret)


def test_siret_validator_accepts_spaces_and_explains_a_wrong_key():
    validate_siret("732 829 320 00074")
    with pytest.raises(ValidationError) as error:
        validate_siret("732 829 320 00075")
    assert error.value.code == "siret_key"
    with pytest.raises(ValidationError) as error:
        validate_siret("123")
    assert error.value.code == "siret_length"


def test_other_job_needs_a_description():
    validate_job_other("ass", "")
    validate_job_other("autre", "Médiatrice en santé")
    with pytest.raises(ValidationError) as error:
        validate_job_other("autre", "  ")
    assert "job_other" in error.value.message_dict


def test_prerequisite_declaration_needs_the_details_of_the_chosen_branch():
    validate_prerequisite_declaration(
        basis="module", module_when="octobre 2023", module_provider="PRAXIS", practice=""
    )
    validate_prerequisite_declaration(
        basis="practice", module_when="", module_provider="", practice="Maraudes."
    )
    with pytest.raises(ValidationError) as error:
        validate_prerequisite_declaration(
            basis="module", module_when="", module_provider="", practice="Maraudes."
        )
    assert set(error.value.message_dict) == {
        "prerequisite_module_when",
        "prerequisite_module_provider",
    }
    with pytest.raises(ValidationError) as error:
        validate_prerequisite_declaration(basis="", module_when="", module_provider="", practice="")
    assert set(error.value.message_dict) == {"prerequisite_basis"}

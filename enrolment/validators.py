import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste's establishments share the SIREN 356 000 000 and most of their SIRETs break the
# Luhn key (INSEE's documented exception): for them the sum of the digits is a multiple of 5.
# The head office, 356 000 000 00048, does satisfy Luhn.
LA_POSTE_SIREN = "356000000"
# Not a company: fourteen zeros pass the Luhn key.
NO_SIREN = "000000000"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _fourteen_digits(siret: str) -> bool:
    # isascii: isdigit() also accepts "²", "①", Arabic-Indic and fullwidth digits.
    return len(siret) == 14 and siret.isascii() and siret.isdigit()


def siret_is_valid(siret: str) -> bool:
    if not _fourteen_digits(siret) or siret.startswith(NO_SIREN):
        return False
    if luhn_valid(siret):
        return True
    return siret.startswith(LA_POSTE_SIREN) and sum(int(char) for char in siret) % 5 == 0


def normalise_siret(value: str) -> str:
    """People copy SIRETs with spaces or dots ("732 829 320 00074")."""
    return "".join(char for char in value if not char.isspace() and char not in ".-")


def validate_siret(value: str) -> None:
    siret = normalise_siret(value)
    if not _fourteen_digits(siret):
        raise ValidationError(_("Le SIRET compte 14 chiffres."), code="siret_length")
    if not siret_is_valid(siret):
        raise ValidationError(
            _("Ce SIRET n'est pas valide\u00a0: vérifiez les chiffres (clé de contrôle)."),
            code="siret_key",
        )


def validate_job_other(job: str, job_other: str) -> None:
    if job == "autre" and not (job_other or "").strip():
        raise ValidationError({"job_other": _("Précisez votre métier.")}, code="job_other")


def validate_prerequisite_declaration(
    *, basis: str, module_when: str, module_provider: str, practice: str
) -> None:
    """For a module with a prerequisite: either the prerequisite module (when, with whom) or
    a description of an existing practice of "aller vers"."""
    errors = {}
    if basis == "module":
        if not (module_when or "").strip():
            errors["prerequisite_module_when"] = _("Indiquez quand vous avez suivi le module.")
        if not (module_provider or "").strip():
            errors["prerequisite_module_provider"] = _(
                "Indiquez l'organisme auprès duquel vous l'avez suivi."
            )
    elif basis == "practice":
        if not (practice or "").strip():
            errors["prerequisite_practice"] = _("Décrivez en quelques lignes votre pratique.")
    else:
        errors["prerequisite_basis"] = _(
            "Indiquez si vous avez suivi le module prérequis ou si vous avez déjà une pratique "
            "de l'aller vers."
        )
    if errors:
        raise ValidationError(errors, code="prerequisite")


def validate_public_email(value: str) -> None:
    """What Django's EmailValidator lets through and no trainee or employer gives as their
    address: control or format characters (in a quoted local part, or a domain), a domain
    without a dot ("localhost") and IP literals ("[127.0.0.1]")."""
    domain = value.rpartition("@")[2]
    if (
        any(unicodedata.category(char) in ("Cc", "Cf") or char.isspace() for char in value)
        or "." not in domain
        or domain.startswith("[")
    ):
        raise ValidationError(
            _("Saisissez une adresse e-mail valide, par exemple prenom.nom@structure.fr."),
            code="invalid",
        )

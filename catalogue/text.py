"""What people type: names and places cleaned of invisible characters, French phone numbers in
one spelling, and the length of free texts. The enrolment form, the admin's forms and the
models' validation (which every service runs before saving) use these; catalogue is the lowest
app that needs them."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What a person writes in a box: disability needs, prerequisite practice, reasons given for a
# refusal or a cancellation, a satisfaction comment, access notes.
MESSAGE_MAX_LENGTH = 2_000
# The programme texts staff paste into a module's or a session's fiche (the longest seed is
# 2,025 characters).
FICHE_TEXT_MAX_LENGTH = 10_000

# Unicode categories drawn as nothing: controls, format characters (bidirectional controls
# U+202A-U+202E and U+2066-U+2069, zero-width spaces and joiners, soft hyphens, BOM), spaces
# and separators, combining marks alone, private-use, unassigned and surrogate code points.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Co", "Cn", "Cs"}
# Letters and symbols that fonts draw as blanks: the Hangul fillers and the braille blank.
_BLANK_CHARACTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def clean_text(value: str) -> str:
    """A name, a city, an employer's name as it is stored: without format characters (Unicode
    category Cf, which includes the bidirectional controls: U+202E before "euqinimoD" shows
    "Dominique") and controls (a tab or a line break becomes a space), NFC-normalised (an "é"
    typed as "e" and a combining accent becomes one character), without surrounding spaces."""
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if category == "Cc":
            if char.isspace():
                kept.append(" ")
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).strip()


def is_visible(char: str) -> bool:
    return char not in _BLANK_CHARACTERS and unicodedata.category(char) not in (
        _INVISIBLE_CATEGORIES
    )


def validate_visible(value: str) -> None:
    """Refuse a non-empty value made only of characters drawn as nothing."""
    if value and not any(is_visible(char) for char in value):
        raise ValidationError(
            _("Ce texte ne contient que des caractères invisibles\u00a0: saisissez-le à nouveau."),
            code="invisible",
        )


# A French number: 10 digits starting with 0 (the overseas departments follow the same plan),
# or +33 / 0033 and the 9 digits after the 0. Spaces, dots and dashes group the digits; a
# "(0)" may follow the country code.
_PHONE_SEPARATORS = re.compile(r"[\s.\-]")
_NATIONAL_NUMBER = re.compile(r"0[1-9][0-9]{8}")
PHONE_INVALID = _(
    "Saisissez un numéro de téléphone français à 10 chiffres, par exemple 06 12 34 56 78."
)


def normalise_phone(value: object) -> str | None:
    """The stored spelling of a French phone number, the grouped national form
    "06 12 34 56 78", whichever way it was typed ("+33 (0)6.12.34.56.78", "0612345678"...);
    None when `value` is not a French number. The tel: links add the +33."""
    if not isinstance(value, str):
        return None
    compact = _PHONE_SEPARATORS.sub("", value)
    for prefix in ("+33", "0033"):
        if compact.startswith(prefix):
            compact = "0" + compact[len(prefix) :].removeprefix("(0)").removeprefix("0")
            break
    else:
        if compact.startswith("(0)"):
            compact = "0" + compact[3:]
    # [0-9], not \d: \d matches Arabic-Indic or fullwidth digits too.
    if not _NATIONAL_NUMBER.fullmatch(compact):
        return None
    return " ".join(compact[index : index + 2] for index in range(0, 10, 2))


def phone_for_display(value: object) -> str:
    """A phone number as people read it, "06 12 34 56 78", whichever spelling was stored;
    what is not a French number (rows saved before the rule) is shown as it is."""
    if not value:
        return ""
    return normalise_phone(str(value)) or str(value)


def validate_phone(value: str) -> None:
    if normalise_phone(value) is None:
        raise ValidationError(PHONE_INVALID, code="phone")

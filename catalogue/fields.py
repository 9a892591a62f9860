"""Model fields that clean what people type when the model is validated (`full_clean`, which
the admin's forms and every service run before saving), so that no way in stores it raw."""

from django.db import models

from .text import clean_text, normalise_phone, validate_phone, validate_visible


class CleanCharField(models.CharField):
    """A name, a city, an employer's name: stored as `clean_text` leaves it (no bidirectional
    control nor other format character, NFC); a value made only of invisible characters is
    refused."""

    default_validators = [validate_visible]

    def clean(self, value, model_instance):
        if isinstance(value, str):
            value = clean_text(value)
        return super().clean(value, model_instance)


class PhoneField(models.CharField):
    """A French phone number, stored in its grouped national form ("06 12 34 56 78"); any
    other value is refused. Rows saved before keep what they hold until their next change."""

    default_validators = [validate_phone]

    def clean(self, value, model_instance):
        return super().clean(normalise_phone(value) or value, model_instance)

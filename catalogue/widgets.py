"""Form inputs shared by the admin and the providers' space."""

import datetime

from django import forms

# How people type a time: "9:00", "9 h 00", "9h", "13h30" (and the "9 h 00" the input shows).
TIME_INPUT_FORMATS = ("%H:%M", "%H:%M:%S", "%H h %M", "%Hh%M", "%H h", "%Hh")


class FrenchTimeInput(forms.TimeInput):
    """A time in a text input, shown as French writes it, "9 h 00" rather than the browser's or
    Django's "09:00" (built here: strftime has no portable hour without its leading zero). Use
    it with TIME_INPUT_FORMATS as the field's input formats, which read what it shows back."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(attrs={"size": 8, "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.time):
            return f"{value.hour} h {value.minute:02d}"
        # What was typed, shown back as typed (with its error).
        return super().format_value(value)

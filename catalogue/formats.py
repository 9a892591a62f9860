"""French wording of dates, times and a session's fill, shared by the pages, the mails, the
documents, the .ics, the registration states, the admin and the dashboard."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _


def day_number(value: datetime.date) -> str:
    """The day of the month: the first is written "1er" as French typography asks."""
    return "1er" if value.day == 1 else str(value.day)


def long_date(value):
    """ "lundi 5 juin 2023"."""
    if not value:
        return ""
    return f"{date_format(value, 'l')} {day_number(value)} {date_format(value, 'F Y')}"


def short_date(value):
    """ "5 juin 2023"."""
    if not value:
        return ""
    return f"{day_number(value)} {date_format(value, 'F Y')}"


def time_text(value: datetime.time) -> str:
    """A time as the fiche, the mails, the documents and the admin write it: "9 h", "9 h 30",
    with non-breaking spaces (U+00A0) so that it never breaks across lines."""
    if value.minute == 0:
        return f"{value.hour}\u00a0h"
    return f"{value.hour}\u00a0h\u00a0{value.minute:02d}"


def fill_text(*, held: int, capacity: int, minimum: int) -> str:
    """A session's fill: "9 / 12 · min 6" (the seats held, the capacity, the minimum), and
    "9 / 12" for a session without a minimum."""
    if minimum:
        return _("%(held)d / %(capacity)d · min %(minimum)d") % {
            "held": held,
            "capacity": capacity,
            "minimum": minimum,
        }
    return _("%(held)d / %(capacity)d") % {"held": held, "capacity": capacity}

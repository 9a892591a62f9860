"""French wording of dates shared by the pages, the .ics and the registration states."""

from django.utils.formats import date_format


def long_date(value):
    """ "lundi 5 juin 2023"; the first of the month is written "1er" as French typography asks."""
    if not value:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{date_format(value, 'l')} {day} {date_format(value, 'F Y')}"


def short_date(value):
    """ "5 juin 2023"."""
    if not value:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {date_format(value, 'F Y')}"

"""Formatting helpers of the public pages: canonical URLs, French times and durations, lines."""

import datetime
import json
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from catalogue.formats import long_date, short_date, time_text
from catalogue.text import normalise_phone, phone_for_display

register = template.Library()

JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def canonical_url(context, path=None):
    """The page's absolute URL on SITE_URL, without query string (filters, pages)."""
    if path is None:
        request = context.get("request")
        path = request.path if request else "/"
    return absolute_url(path)


@register.simple_tag
def absolute_url(path):
    return f"{settings.SITE_URL}{path}"


@register.filter
def lines(text):
    """The non-blank lines of a text, without the bullets the seeds use ("- ", "≥ ", "☞ ")."""
    if not text:
        return []
    result = []
    for line in str(text).splitlines():
        line = line.strip().lstrip("-•≥☞▶").strip()
        if line:
            result.append(line)
    return result


@register.filter
def heure(value):
    """A time the French way: 9 h, 9 h 30 (catalogue.formats.time_text)."""
    if not isinstance(value, datetime.time):
        return ""
    return time_text(value)


@register.filter
def heures(value):
    """A duration in hours: 14 heures, 7 heures 30, 1 heure."""
    if value in (None, ""):
        return ""
    value = Decimal(value)
    hours = int(value)
    minutes = int((value - hours) * 60)
    text = ngettext("%(n)d heure", "%(n)d heures", hours) % {"n": hours}
    return f"{text} {minutes:02d}" if minutes else text


@register.filter
def jours(value):
    if value in (None, ""):
        return ""
    return ngettext("%(n)d jour", "%(n)d jours", int(value)) % {"n": int(value)}


@register.filter
def date_longue(value):
    """ "lundi 5 juin 2023"."""
    return long_date(value)


@register.filter
def date_courte(value):
    """ "5 juin 2023"."""
    return short_date(value)


@register.filter
def jsonld(data):
    """A JSON-LD script body: JSON with <, > and & escaped so it cannot close the script."""
    text = json.dumps(data, ensure_ascii=False, indent=None)
    return mark_safe(text.translate(JSON_SCRIPT_ESCAPES))  # noqa: S308 - escaped above


@register.filter
def phone(value):
    """ "06 12 34 56 78", whichever way the number was stored (`phone_for_display`)."""
    return phone_for_display(value)


@register.filter
def tel(value):
    """A phone number for a tel: link: "02 38 42 28 31" -> "+33238422831"."""
    french = normalise_phone(str(value))
    if french is not None:
        return "+33" + french.replace(" ", "")[1:]
    digits = "".join(char for char in str(value) if char.isdigit() or char == "+")
    if digits.startswith("0") and len(digits) == 10:
        return f"+33{digits[1:]}"
    return digits

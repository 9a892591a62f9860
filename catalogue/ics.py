"""The "Ajouter à mon agenda" calendar of a session (RFC 5545), also attached to the mails."""

import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Session

PARIS = ZoneInfo("Europe/Paris")
SEQUENCE_EPOCH = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def session_location(session: Session) -> str:
    """The venue on one line: name, street, postcode and city."""
    place = " ".join(part for part in [session.postcode, session.city] if part)
    parts = [session.venue_name, session.venue_address, place]
    return ", ".join(part for part in parts if part)


def session_calendar(session: Session) -> bytes:
    """One VEVENT per day, from the day's first start to its last end in Europe/Paris, with the
    VTIMEZONE. UIDs are stable per session and day so that re-importing updates the events.
    Reads `session.days` (prefetch them) and the module and provider."""
    url = f"{settings.SITE_URL}{session.get_absolute_url()}"
    domain = urlsplit(settings.SITE_URL).hostname or "allervers"
    days = session.sorted_days
    calendar = Calendar()
    calendar.add("prodid", "-//Allervers//Catalogue des sessions//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", str(session.module))
    calendar.add("x-wr-timezone", "Europe/Paris")
    for number, day in enumerate(days, start=1):
        event = Event()
        event.add("uid", f"session-{session.pk}-{day.date:%Y%m%d}@{domain}")
        # The last change of the session, not "now": the same session gives the same file.
        event.add("dtstamp", session.updated_at.astimezone(datetime.UTC))
        # Calendars apply a re-imported event (new dates, cancellation) only when its sequence
        # grows: minutes since a fixed date of the session's last change always do.
        event.add("sequence", _sequence(session))
        event.add("dtstart", datetime.datetime.combine(day.date, day.starts_at, tzinfo=PARIS))
        event.add("dtend", datetime.datetime.combine(day.date, day.ends_at, tzinfo=PARIS))
        event.add(
            "summary",
            _("%(module)s – jour %(number)d sur %(count)d")
            % {"module": session.module, "number": number, "count": len(days)},
        )
        event.add("location", session_location(session))
        event.add("description", _event_description(session, day, url))
        event.add("url", url)
        cancelled = session.status == Session.Status.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    if days:
        # Only the transitions around the session's dates, not the default 1970-2038 span.
        calendar.add_missing_timezones(
            first_date=datetime.date(days[0].date.year - 1, 1, 1),
            last_date=datetime.date(days[-1].date.year + 2, 1, 1),
        )
    return calendar.to_ical()


def _sequence(session: Session) -> int:
    return int((session.updated_at - SEQUENCE_EPOCH).total_seconds() // 60)


def _event_description(session, day, url):
    hours = " ; ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in day.half_days)
    lines = [
        _("Formation « aller vers » : %(module)s") % {"module": session.module},
        _("%(label)s, organisé par %(provider)s.")
        % {"label": session.label, "provider": session.provider},
        _("Horaires : %(hours)s.") % {"hours": hours},
    ]
    if session.access_notes:
        lines.append(_("Accès : %(notes)s") % {"notes": session.access_notes})
    lines.append(_("Fiche technique : %(url)s") % {"url": url})
    return "\n".join(lines)

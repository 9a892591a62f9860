"""The "Ajouter à mon agenda" calendar of a session (RFC 5545), also attached to the mails."""

import dataclasses
import datetime
from collections.abc import Iterable
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Session, SessionDay

PARIS = ZoneInfo("Europe/Paris")
SEQUENCE_EPOCH = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


@dataclasses.dataclass(frozen=True)
class RemovedDay:
    """A day a change removed from the session: its event is sent again, cancelled."""

    id: int
    date: datetime.date
    starts_at: datetime.time
    ends_at: datetime.time


def session_location(session: Session) -> str:
    """The venue on one line: name, street, postcode and city."""
    place = " ".join(part for part in [session.postcode, session.city] if part)
    parts = [session.venue_name, session.venue_address, place]
    return ", ".join(part for part in parts if part)


def session_calendar(
    session: Session,
    *,
    cancelled: bool = False,
    method: str = "PUBLISH",
    changed_at: datetime.datetime | None = None,
    removed_days: Iterable[RemovedDay] = (),
) -> bytes:
    """One VEVENT per day, from the day's first start to its last end in Europe/Paris, with the
    VTIMEZONE. A UID is stable per day row (`session-<pk>-day-<day pk>`), whatever its date,
    so that re-importing updates the events: a day moved to another date moves in the
    calendar. Each of `removed_days` (the days a change deleted) is sent as a cancelled event
    under its UID, so that calendars drop it. Reads `session.days` (prefetch them) and the
    module and provider.

    The events are cancelled when the session is, or when `cancelled` (someone's enrolment
    ended: their calendar drops the days). `method` is the iTIP method (RFC 5546): PUBLISH for
    a file to import, CANCEL in a mail that removes the events. `changed_at` is a later change
    than the session's own (the enrolment's status): calendars apply an event again only when
    its SEQUENCE grows."""
    url = f"{settings.SITE_URL}{session.get_absolute_url()}"
    domain = urlsplit(settings.SITE_URL).hostname or "allervers"
    days = session.sorted_days
    cancelled = cancelled or session.status == Session.Status.CANCELLED
    last_change = max(session.updated_at, changed_at or session.updated_at)
    sequence = _sequence(last_change) + (1 if cancelled else 0)
    calendar = Calendar()
    calendar.add("prodid", "-//Allervers//Catalogue des sessions//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", str(session.module))
    calendar.add("x-wr-timezone", "Europe/Paris")

    def day_event(day: SessionDay | RemovedDay) -> Event:
        """The event of a day row (kept or removed): its UID, stamp, sequence and hours."""
        event = Event()
        event.add("uid", f"session-{session.pk}-day-{day.id}@{domain}")
        # The last change, not "now": the same session gives the same file.
        event.add("dtstamp", last_change.astimezone(datetime.UTC))
        # Calendars apply a re-imported event (new dates, cancellation) only when its sequence
        # grows: seconds since a fixed date of the last change always do (minutes did until
        # 2026, which a change made in the same minute as an enrolment did not outgrow; seconds
        # outnumber them, so no calendar goes back); a cancellation outranks whatever was
        # published in the same second. Within a 32-bit integer until 2088.
        event.add("sequence", sequence)
        event.add("dtstart", datetime.datetime.combine(day.date, day.starts_at, tzinfo=PARIS))
        event.add("dtend", datetime.datetime.combine(day.date, day.ends_at, tzinfo=PARIS))
        return event

    for number, day in enumerate(days, start=1):
        event = day_event(day)
        event.add(
            "summary",
            _("%(module)s – jour %(number)d sur %(count)d")
            % {"module": session.module, "number": number, "count": len(days)},
        )
        event.add("location", session_location(session))
        event.add("description", _event_description(session, day, url))
        event.add("url", url)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        if method == "CANCEL":
            # iTIP's CANCEL names the organiser; calendars match it against the sender.
            event.add("organizer", _organizer())
        calendar.add_component(event)
    removed_days = list(removed_days)
    for removed in removed_days:
        event = day_event(removed)
        event.add("summary", _("%(module)s – journée retirée") % {"module": session.module})
        event.add("status", "CANCELLED")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    dates = [day.date for day in days] + [removed.date for removed in removed_days]
    if dates:
        # Only the transitions around the session's dates, not the default 1970-2038 span.
        calendar.add_missing_timezones(
            first_date=datetime.date(min(dates).year - 1, 1, 1),
            last_date=datetime.date(max(dates).year + 2, 1, 1),
        )
    return calendar.to_ical()


def _sequence(changed_at: datetime.datetime) -> int:
    return int((changed_at - SEQUENCE_EPOCH).total_seconds())


def _organizer() -> vCalAddress:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name or "Allervers")
    return organizer


def _event_description(session, day, url):
    hours = " ; ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in day.half_days)
    lines = [
        _("Formation «\u00a0aller vers\u00a0»\u00a0: %(module)s") % {"module": session.module},
        _("%(label)s, organisé par %(provider)s.")
        % {"label": session.label, "provider": session.provider},
        _("Horaires\u00a0: %(hours)s.") % {"hours": hours},
    ]
    if session.access_notes:
        lines.append(_("Accès\u00a0: %(notes)s") % {"notes": session.access_notes})
    lines.append(_("Fiche technique\u00a0: %(url)s") % {"url": url})
    return "\n".join(lines)

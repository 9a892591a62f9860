import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from catalogue.ics import session_calendar
from catalogue.models import Session
from tests.factories import SessionFactory
from website.selectors import session_page

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def session():
    """Two days across the switch to winter time (26 October 2031) with different hours."""
    session = SessionFactory(
        city="Orléans",
        postcode="45000",
        venue_name="Espace Formation",
        venue_address="12 rue de la Formation",
        registration_deadline=datetime.date(2031, 10, 1),
        days=[datetime.date(2031, 10, 24), datetime.date(2031, 10, 27)],
    )
    last = session.days.get(date=datetime.date(2031, 10, 27))
    last.afternoon_start = last.afternoon_end = None
    last.morning_start = datetime.time(8, 30)
    last.save()
    return session


def download(client, session):
    return client.get(reverse("catalogue:session_ics", args=[session.pk]))


@pytest.mark.django_db
def test_ics_is_a_calendar_download(client, session):
    response = download(client, session)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="allervers-session-{session.pk}.ics"'
    )


@pytest.mark.django_db
def test_ics_has_one_event_per_day_in_paris_time(client, session):
    calendar = Calendar.from_ical(download(client, session).content)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    first, second = events
    assert first.decoded("DTSTART") == datetime.datetime(2031, 10, 24, 9, 0, tzinfo=PARIS)
    assert first.decoded("DTEND") == datetime.datetime(2031, 10, 24, 17, 0, tzinfo=PARIS)
    assert first["DTSTART"].params["TZID"] == "Europe/Paris"
    assert second.decoded("DTSTART") == datetime.datetime(2031, 10, 27, 8, 30, tzinfo=PARIS)
    assert second.decoded("DTEND") == datetime.datetime(2031, 10, 27, 12, 30, tzinfo=PARIS)
    # Summer time on the 24th, winter time on the 27th.
    assert first.decoded("DTSTART").utcoffset() == datetime.timedelta(hours=2)
    assert second.decoded("DTSTART").utcoffset() == datetime.timedelta(hours=1)


@pytest.mark.django_db
def test_ics_includes_the_paris_timezone_definition(client, session):
    calendar = Calendar.from_ical(download(client, session).content)
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Paris"]
    names = {str(part["TZNAME"]) for part in timezones[0].subcomponents}
    assert names == {"CET", "CEST"}


@pytest.mark.django_db
def test_ics_events_carry_location_summary_url_and_stable_uids(client, session, settings):
    settings.SITE_URL = "https://allervers.example.org"
    events = Calendar.from_ical(download(client, session).content).walk("VEVENT")
    url = f"https://allervers.example.org{session.get_absolute_url()}"
    for number, event in enumerate(events, start=1):
        assert str(event["LOCATION"]) == "Espace Formation, 12 rue de la Formation, 45000 Orléans"
        assert str(event["SUMMARY"]) == f"{session.module} – jour {number} sur 2"
        assert str(event["URL"]) == url
        assert url in str(event["DESCRIPTION"])
        assert event["DTSTAMP"]
    # One UID per day row, whatever its date: a day moved to another date moves its event.
    assert [str(event["UID"]) for event in events] == [
        f"session-{session.pk}-day-{day.pk}@allervers.example.org"
        for day in session.days.order_by("date")
    ]
    # The same session gives the same file, so calendars update rather than duplicate.
    assert download(client, session).content == download(client, session).content


@pytest.mark.django_db
def test_ics_of_a_cancelled_session_marks_events_cancelled(session):
    session.status = Session.Status.CANCELLED
    session.published_at = timezone.now()
    session.save()
    events = Calendar.from_ical(session_calendar(session_page(session.pk))).walk("VEVENT")
    assert {str(event["STATUS"]) for event in events} == {"CANCELLED"}


@pytest.mark.django_db
def test_ics_lines_follow_rfc_5545(client, session):
    content = download(client, session).content
    lines = content.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert lines[-2] == b"END:VCALENDAR" and lines[-1] == b""
    assert all(len(line) <= 75 for line in lines)


@pytest.mark.django_db
def test_ics_sequence_grows_when_the_session_changes(session):
    def sequences():
        calendar = Calendar.from_ical(session_calendar(session_page(session.pk)))
        return {int(event["SEQUENCE"]) for event in calendar.walk("VEVENT")}

    before = sequences()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        session.status = Session.Status.CANCELLED
        session.published_at = timezone.now()
        session.save()
    after = sequences()

    assert len(before) == len(after) == 1
    assert after.pop() > before.pop()

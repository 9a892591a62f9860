"""The trainees of a published session hear of its new days, hours or place, with a calendar
that updates theirs: after an approved proposal, or a direct change by OPCO staff."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from enrolment.ics import enrolment_calendar
from enrolment.mails import MailKind
from enrolment.models import Enrolment, SessionChangeRequest
from enrolment.selectors import enrolment_for_page
from enrolment.session_services import (
    session_change,
    session_change_approve,
    session_provider_save,
)
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory, ProviderFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

STAFF = Actor.staff(None)


def _sequences(ics: bytes) -> set[int]:
    return {int(event["SEQUENCE"]) for event in Calendar.from_ical(ics).walk("VEVENT")}


def _days(session):
    return [
        {
            "id": day.pk,
            "date": day.date,
            "morning_start": day.morning_start,
            "morning_end": day.morning_end,
            "afternoon_start": day.afternoon_start,
            "afternoon_end": day.afternoon_end,
        }
        for day in session.days.order_by("date")
    ]


def test_approved_new_days_mail_each_trainee_once_with_a_newer_calendar(
    django_capture_on_commit_callbacks, mailoutbox
):
    member = UserFactory()
    provider = ProviderFactory()
    provider.members.add(member)
    session = SessionFactory(provider=provider, venue_name="IRFSS")
    confirmed = EnrolmentFactory(session=session, trainee__email="lea@ccas.example.org")
    EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now(),
        trainee__email="noe@ccas.example.org",
    )
    EnrolmentFactory(
        session=session, status=Enrolment.Status.CANCELLED, trainee__email="ex@ccas.example.org"
    )
    before = _sequences(enrolment_calendar(enrolment_for_page(pk=confirmed.pk)))
    days = _days(session)
    days[1]["date"] += datetime.timedelta(days=7)
    days[1]["afternoon_end"] = datetime.time(16, 30)
    fields = {"label": session.label, "module": session.module, "city": session.city}

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        session_provider_save(
            provider_id=provider.pk,
            session_id=session.pk,
            fields=fields,
            days=days,
            trainer_ids=[],
            by=Actor.provider(member),
        )
        request = SessionChangeRequest.objects.get(session=session)
        with django_capture_on_commit_callbacks(execute=True):
            session_change_approve(request_id=request.pk, by=STAFF)
        with django_capture_on_commit_callbacks(execute=True):
            # Saved again by staff with nothing new: no second mail.
            session_change(session_id=session.pk, fields={}, days=days, by=STAFF)

    # (The waitlisted trainee is also offered one of the free seats.)
    changed = [m for m in mailoutbox if m.subject.startswith("Session modifiée")]
    assert sorted(message.to[0] for message in changed) == [
        "lea@ccas.example.org",
        "noe@ccas.example.org",
    ]
    message = next(m for m in changed if m.to == ["lea@ccas.example.org"])
    new_day = days[1]["date"]
    assert str(new_day.year) in message.body and "16\u00a0h\u00a030" in message.body
    [(filename, content, _)] = message.attachments
    assert filename == "formation.ics"
    after = _sequences(content.encode())
    assert min(after) > max(before)
    assert f"DTSTART;TZID=Europe/Paris:{new_day:%Y%m%d}T090000" in content


def test_a_change_within_the_minute_of_the_enrolment_still_updates_the_calendar():
    session = SessionFactory()
    enrolment = EnrolmentFactory(session=session, status_changed_at=timezone.now())
    before = _sequences(enrolment_calendar(enrolment_for_page(pk=enrolment.pk)))

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2)):
        session_change(session_id=session.pk, fields={"venue_name": "Salle 2"}, by=STAFF)

    after = _sequences(enrolment_calendar(enrolment_for_page(pk=enrolment.pk)))
    assert min(after) > max(before)


def test_staff_changing_the_place_of_a_published_session_tells_its_trainees():
    session = SessionFactory()
    EnrolmentFactory(session=session)
    EnrolmentFactory(session=session, status=Enrolment.Status.PENDING)

    session_change(session_id=session.pk, fields={"venue_name": "Salle 2"}, by=STAFF)
    session_change(session_id=session.pk, fields={"label": "Groupe 7"}, by=STAFF)

    assert OutboxMail.objects.filter(kind=MailKind.SESSION_CHANGED).count() == 2


def test_a_submitted_session_changes_tell_no_one():
    session = SessionFactory(status="submitted")
    EnrolmentFactory(session=session)

    session_change(session_id=session.pk, fields={"venue_name": "Salle 2"}, by=STAFF)

    assert not OutboxMail.objects.filter(kind=MailKind.SESSION_CHANGED).exists()


def _events(ics) -> dict[str, dict]:
    calendar = Calendar.from_ical(ics)
    return {
        str(event["UID"]): {
            "start": event.decoded("DTSTART").date(),
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]),
        }
        for event in calendar.walk("VEVENT")
    }


def test_a_moved_day_updates_its_event_and_a_deleted_day_is_cancelled(
    django_capture_on_commit_callbacks, mailoutbox
):
    first = timezone.localdate() + datetime.timedelta(days=60)
    session = SessionFactory(
        days=[first, first + datetime.timedelta(days=1), first + datetime.timedelta(days=2)]
    )
    enrolment = EnrolmentFactory(session=session, trainee__email="lea@ccas.example.org")
    kept, moved, deleted = session.days.order_by("date")
    before = _events(enrolment_calendar(enrolment_for_page(pk=enrolment.pk)))
    days = _days(session)[:2]
    days[1]["date"] = first + datetime.timedelta(days=14)

    later = timezone.now() + datetime.timedelta(hours=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        session_change(session_id=session.pk, fields={}, days=days, by=STAFF)

    [message] = [m for m in mailoutbox if m.subject.startswith("Session modifiée")]
    [(_filename, content, _type)] = message.attachments
    after = _events(content.encode())
    uid = {day: next(u for u in before if f"-day-{day.pk}@" in u) for day in (kept, moved, deleted)}
    # The moved day keeps its event (the same UID), at its new date, with a higher sequence.
    assert after[uid[moved]]["start"] == first + datetime.timedelta(days=14)
    assert after[uid[moved]]["sequence"] > before[uid[moved]]["sequence"]
    assert after[uid[moved]]["status"] == "CONFIRMED"
    # The deleted day's event is cancelled, outranking the one the trainee imported.
    assert after[uid[deleted]]["status"] == "CANCELLED"
    assert after[uid[deleted]]["start"] == first + datetime.timedelta(days=2)
    assert after[uid[deleted]]["sequence"] > before[uid[deleted]]["sequence"]
    assert after[uid[kept]]["status"] == "CONFIRMED"
    assert len(after) == 3

"""A cancelled or refused enrolment's calendar carries STATUS:CANCELLED, and the mails that end
an enrolment attach it with METHOD:CANCEL, so that calendars remove the days: the same UIDs,
a greater SEQUENCE (calendars ignore an update whose sequence does not grow). Before, only a
cancelled session's events were cancelled, and the "cancelled" mail attached nothing."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from enrolment import services
from enrolment.ics import enrolment_calendar
from enrolment.links import enrolment_token
from enrolment.models import Enrolment
from enrolment.selectors import enrolment_for_page
from enrolment.session_services import session_cancel
from enrolment.transitions import Actor
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

# Ten seconds into a minute: what follows happens within it unless a test moves on.
START = datetime.datetime(2026, 3, 2, 9, 15, 10, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(clock):
    return SessionFactory(capacity=2, min_participants=0)


def events(ics) -> list:
    return Calendar.from_ical(ics).walk("VEVENT")


def method(ics) -> str:
    return str(Calendar.from_ical(ics)["METHOD"])


def summary(ics):
    """(method, {status}, [uid], {sequence})"""
    found = events(ics)
    return (
        method(ics),
        {str(event["STATUS"]) for event in found},
        [str(event["UID"]) for event in found],
        {int(event["SEQUENCE"]) for event in found},
    )


def download(client, enrolment) -> bytes:
    response = client.get(reverse("enrolment:calendar", args=[enrolment_token(enrolment)]))
    assert response.status_code == 200
    return response.content


def test_the_personal_calendar_of_a_cancelled_enrolment_cancels_the_days(client, clock, session):
    enrolment = EnrolmentFactory(session=session)
    before = summary(download(client, enrolment))
    assert before[:2] == ("PUBLISH", {"CONFIRMED"})

    clock.shift(datetime.timedelta(seconds=20))  # the same minute
    services.enrolment_cancel(enrolment_id=enrolment.pk, by=Actor.trainee())
    after = summary(download(client, enrolment))

    assert after[:2] == ("PUBLISH", {"CANCELLED"})
    assert after[2] == before[2]  # the same events
    assert after[3].pop() > before[3].pop()


def test_the_personal_calendar_of_a_refused_enrolment_cancels_the_days(client, session):
    enrolment = EnrolmentFactory(
        session=session,
        status=Enrolment.Status.PENDING,
        prerequisite_basis="practice",
        prerequisite_practice="Maraudes depuis 2021.",
    )
    services.enrolment_refuse(
        enrolment_id=enrolment.pk, by=Actor.staff(UserFactory(is_staff=True)), reason="Non."
    )

    assert summary(download(client, enrolment))[1] == {"CANCELLED"}


def test_a_waitlisted_or_confirmed_enrolment_keeps_confirmed_events(client, session):
    confirmed = EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(session=session, status=Enrolment.Status.WAITLISTED)

    assert summary(download(client, confirmed))[1] == {"CONFIRMED"}
    assert summary(download(client, waiting))[1] == {"CONFIRMED"}


def test_the_cancelled_mail_takes_the_days_back_with_method_cancel(
    clock, session, mailoutbox, django_capture_on_commit_callbacks
):
    enrolment = EnrolmentFactory(session=session)
    published = enrolment_calendar(enrolment_for_page(pk=enrolment.pk))

    clock.shift(datetime.timedelta(seconds=20))
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_cancel(enrolment_id=enrolment.pk, by=Actor.trainee())

    [message] = [m for m in mailoutbox if m.to == [enrolment.trainee.email]]
    assert message.subject.startswith("Inscription annulée – ")
    [(filename, ics, mimetype)] = message.attachments
    assert (filename, mimetype) == ("formation.ics", "text/calendar; method=CANCEL")
    cancel = summary(ics)
    before = summary(published)
    assert cancel[:2] == ("CANCEL", {"CANCELLED"})
    assert cancel[2] == before[2]
    assert cancel[3].pop() > before[3].pop()
    for event in events(ics):
        assert str(event["ORGANIZER"]) == "mailto:ne-pas-repondre@allervers.fr"
    # Mail clients read the method from the part's content type too (RFC 6047).
    raw = message.message().as_string()
    assert 'Content-Type: text/calendar; method="CANCEL"; charset="utf-8"' in raw


def test_the_refused_mail_takes_the_days_back(
    session, mailoutbox, django_capture_on_commit_callbacks
):
    enrolment = EnrolmentFactory(
        session=session,
        status=Enrolment.Status.PENDING,
        prerequisite_basis="practice",
        prerequisite_practice="Maraudes depuis 2021.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_refuse(
            enrolment_id=enrolment.pk, by=Actor.staff(UserFactory(is_staff=True)), reason="Non."
        )

    [message] = mailoutbox
    [(_name, ics, mimetype)] = message.attachments
    assert mimetype == "text/calendar; method=CANCEL"
    assert summary(ics)[:2] == ("CANCEL", {"CANCELLED"})


def test_the_session_cancelled_mail_takes_the_days_back_with_method_cancel(
    clock, session, mailoutbox, django_capture_on_commit_callbacks
):
    enrolment = EnrolmentFactory(session=session)
    published = enrolment_calendar(enrolment_for_page(pk=enrolment.pk))

    clock.shift(datetime.timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session_id=session.pk, by=Actor.staff(UserFactory(is_staff=True)))

    [message] = mailoutbox
    assert message.subject.startswith("Session annulée – ")
    [(_name, ics, mimetype)] = message.attachments
    assert mimetype == "text/calendar; method=CANCEL"
    cancel, before = summary(ics), summary(published)
    assert cancel[:3] == ("CANCEL", {"CANCELLED"}, before[2])
    assert cancel[3].pop() > before[3].pop()


def test_enrolling_again_later_outranks_the_cancellation(client, clock, session):
    first = EnrolmentFactory(session=session)
    services.enrolment_cancel(enrolment_id=first.pk, by=Actor.trainee())
    cancelled = summary(download(client, first))

    clock.shift(datetime.timedelta(minutes=5))
    again = EnrolmentFactory(
        session=session,
        trainee=first.trainee,
        status_changed_at=START + datetime.timedelta(minutes=5),
    )
    published = summary(download(client, again))

    assert published[:2] == ("PUBLISH", {"CONFIRMED"})
    assert published[2] == cancelled[2]
    assert published[3].pop() > cancelled[3].pop()


def test_the_public_calendar_is_unchanged_by_enrolments(client, session):
    enrolment = EnrolmentFactory(session=session)
    services.enrolment_cancel(enrolment_id=enrolment.pk, by=Actor.trainee())

    ics = client.get(reverse("catalogue:session_ics", args=[session.pk])).content

    assert summary(ics)[:2] == ("PUBLISH", {"CONFIRMED"})
    assert all("ORGANIZER" not in event for event in events(ics))

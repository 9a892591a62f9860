"""Every mail kind of the jobs renders as French HTML and plain text, from the rows it points
to (an enrolment, a session or a reminder request)."""

import pytest
from django.utils import timezone

from enrolment import session_services
from enrolment.mails import MailKind
from enrolment.models import Enrolment, StaffMessage
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from outbox.services import outbox_send
from tests.enrolment.test_mail import ENROLMENT_KINDS
from tests.factories import EnrolmentFactory

from .helpers import DEADLINE, FIRST_DAY, LAST_DAY, at, days, frozen, session, subscription

STAFF = Actor.staff(None)

pytestmark = pytest.mark.django_db

Kind = MailKind


def _enrolment_row(kind):
    enrolment = EnrolmentFactory(session=session())
    if kind == Kind.SESSION_CANCELLED:
        session_services.session_cancel(session_id=enrolment.session_id, by=STAFF)
        OutboxMail.objects.all().delete()
    return OutboxMail.objects.create(kind=kind, recipient=enrolment.trainee.email, about=enrolment)


def _unconfirmed_row(kind):
    enrolment = EnrolmentFactory(
        session=session(),
        status=Enrolment.Status.UNCONFIRMED,
        held_status=Enrolment.Status.CONFIRMED,
        hold_expires_at=at(DEADLINE - days(10), 10, 30),
    )
    return OutboxMail.objects.create(kind=kind, recipient=enrolment.trainee.email, about=enrolment)


def _subscription_row(kind):
    upcoming = session()
    confirmed_at = timezone.now() if kind == Kind.REMINDER else None
    request = subscription(upcoming, "lea@ccas.example.org", confirmed_at=confirmed_at)
    return OutboxMail.objects.create(kind=kind, recipient=request.email, about=request)


def _staff_message_row(kind):
    enrolment = EnrolmentFactory(session=session())
    message = StaffMessage.objects.create(
        session=enrolment.session,
        kind=StaffMessage.Kind.MESSAGE,
        subject="Salle changée",
        body="Rendez-vous salle B.",
        token="0" * 32,
    )
    return OutboxMail.objects.create(
        kind=kind, recipient=enrolment.trainee.email, about=enrolment, note=str(message.pk)
    )


def _session_row(kind):
    upcoming = session()
    return OutboxMail.objects.create(
        kind=kind, recipient=upcoming.opco_contact.email, about=upcoming
    )


CASES = {
    # kind: (row maker, the moment it is sent, the greeting)
    Kind.ADDRESS_CONFIRM: (_unconfirmed_row, at(DEADLINE - days(10), 10), "Bonjour,"),
    Kind.CONVOCATION: (_enrolment_row, at(FIRST_DAY - days(7), 8), "Bonjour Léa"),
    Kind.SESSION_CANCELLED: (_enrolment_row, at(DEADLINE, 8), "Bonjour Léa"),
    Kind.SATISFACTION: (_enrolment_row, at(LAST_DAY + days(1), 10), "Bonjour Léa"),
    Kind.REMINDER_CONFIRM: (_subscription_row, at(DEADLINE - days(20), 10), "Bonjour,"),
    Kind.REMINDER: (_subscription_row, at(DEADLINE - days(7), 9, 5), "Bonjour,"),
    Kind.SESSION_SUMMARY: (_session_row, at(DEADLINE - days(7), 9, 5), "Bonjour,"),
    Kind.MINIMUM_ALERT: (_session_row, at(DEADLINE + days(1), 7, 30), "Bonjour,"),
    Kind.SESSION_CHANGED: (_enrolment_row, at(DEADLINE - days(10), 10), "Bonjour Léa"),
    Kind.SESSION_CHANGE_REJECTED: (_session_row, at(DEADLINE - days(10), 10), "Bonjour,"),
    Kind.STAFF_MESSAGE: (_staff_message_row, at(DEADLINE - days(10), 10), "Bonjour Léa"),
}


def test_every_kind_of_mail_has_a_rendering_case_here_or_with_the_enrolments():
    assert set(CASES) | set(ENROLMENT_KINDS) == set(Kind.values)
    assert not set(CASES) & set(ENROLMENT_KINDS)


@pytest.mark.parametrize("kind", CASES)
def test_job_mail_renders_in_french_html_and_text(kind, mailoutbox):
    make_row, moment, greeting = CASES[kind]
    row = make_row(kind)

    with frozen(moment):
        assert outbox_send(mail_id=row.pk) is True

    [message] = mailoutbox
    assert message.body.startswith(greeting)
    assert "{%" not in message.body and "{{" not in message.body
    assert "&#x27;" not in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html and "{{" not in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    row.refresh_from_db()
    assert row.subject == message.subject

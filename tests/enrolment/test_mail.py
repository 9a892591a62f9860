import datetime
import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail as django_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from enrolment import services
from enrolment.links import enrolment_id_from_token
from enrolment.mails import MailKind, mail_queue
from enrolment.models import Enrolment
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from outbox.services import outbox_send
from outbox.tasks import send_outbox_mail
from tests.factories import (
    EnrolmentFactory,
    OutboxMailFactory,
    PrerequisiteModuleFactory,
    ProviderFactory,
    SessionFactory,
)

from .helpers import enrol, practice_declaration

TRAINEE = Actor.trainee()

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connexion perdue")


def _session(**kwargs):
    provider = ProviderFactory(
        name="Croix-Rouge française",
        disability_contact_name="Sam Leroy",
        disability_contact_email="handicap@croix-rouge.example.org",
    )
    return SessionFactory(
        provider=provider,
        label="Groupe 2",
        city="Orléans",
        venue_name="IRFSS Centre-Val de Loire",
        min_participants=0,
        **kwargs,
    )


def test_confirmation_mail_is_french_html_and_text_with_summary_ics_and_link(
    django_capture_on_commit_callbacks, mailoutbox
):
    session = _session()
    contact = session.opco_contact

    with django_capture_on_commit_callbacks(execute=True):
        enrolment = enrol(session, email="lea@ccas.example.org", first_name="Léa").enrolment

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["lea@ccas.example.org"]
    assert message.subject == (
        f"Inscription confirmée – Module {session.module.number}, Groupe 2 à Orléans"
    )
    assert message.reply_to == [contact.email]
    text = message.body
    assert "Bonjour Léa" in text
    assert "est confirmée" in text
    assert str(session.module) in text
    assert "9\u00a0h – 12\u00a0h\u00a030 et 13\u00a0h\u00a030 – 17\u00a0h" in text
    assert "IRFSS Centre-Val de Loire" in text
    assert "Croix-Rouge française" in text
    assert contact.full_name in text and contact.email in text
    assert "Sam Leroy" in text
    assert "&#x27;" not in text  # plain text is not HTML-escaped
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html
    assert "Voir mon inscription" in html
    [(filename, content, ics_type)] = message.attachments
    assert filename == "formation.ics"
    assert ics_type == "text/calendar"
    assert "BEGIN:VCALENDAR" in content and content.count("BEGIN:VEVENT") == 2

    link = next(line for line in text.splitlines() if "/inscription/" in line).strip()
    token = link.rsplit("/inscription/", 1)[1].strip("/")
    assert enrolment_id_from_token(token) == enrolment.pk
    row = OutboxMail.objects.get(kind=MailKind.CONFIRMATION)
    assert row.status == OutboxMail.Status.SENT
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.subject == message.subject


def test_waiting_list_mail_gives_the_position(django_capture_on_commit_callbacks, mailoutbox):
    session = _session(capacity=1)
    EnrolmentFactory(session=session)
    EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        enrol(session)

    [message] = mailoutbox
    assert message.subject.startswith("Liste d'attente, position 2 – ")
    assert "liste d'attente, en\nposition 2" in message.body or "position 2" in message.body
    assert "72 heures" in message.body
    assert message.attachments


def test_pending_mail_explains_the_prerequisite_check(
    django_capture_on_commit_callbacks, mailoutbox
):
    session = _session(module=PrerequisiteModuleFactory())

    with django_capture_on_commit_callbacks(execute=True):
        enrol(session, declaration=practice_declaration())

    [message] = mailoutbox
    assert message.subject.startswith("Inscription enregistrée, à valider – ")
    assert "vérifie" in message.body


def test_mail_is_not_sent_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks, mailoutbox
):
    session = _session()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enrol(session)
        raise RuntimeError("the page failed after the service call")

    assert callbacks == []
    assert mailoutbox == []
    assert not OutboxMail.objects.exists()
    assert not Enrolment.objects.exists()


def test_mail_waits_for_the_commit(django_capture_on_commit_callbacks, mailoutbox):
    session = _session()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enrol(session)
        assert mailoutbox == []
        assert set(OutboxMail.objects.values_list("status", flat=True)) == {
            OutboxMail.Status.QUEUED
        }

    # The address confirmation and the enrolment's confirmation; the first, sent after the
    # address was confirmed, has lost its purpose and is skipped.
    assert len(mailoutbox) == 1


def test_sent_mail_is_never_sent_again(mailoutbox):
    row = OutboxMailFactory()

    assert outbox_send(mail_id=row.pk) is True
    assert outbox_send(mail_id=row.pk) is False
    send_outbox_mail.delay(row.pk)
    send_outbox_mail.delay(row.pk)

    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SENT
    assert row.attempts == 1


def test_mail_being_sent_by_another_task_is_left_alone(mailoutbox):
    row = OutboxMailFactory(status=OutboxMail.Status.SENDING, attempts=1)

    assert outbox_send(mail_id=row.pk) is False

    assert mailoutbox == []
    row.refresh_from_db()
    assert row.attempts == 1


def test_failed_mail_is_marked_and_sent_on_retry(settings, mailoutbox):
    row = OutboxMailFactory()
    settings.EMAIL_BACKEND = "tests.enrolment.test_mail.FailingBackend"

    with pytest.raises(smtplib.SMTPServerDisconnected):
        outbox_send(mail_id=row.pk)

    row.refresh_from_db()
    assert row.status == OutboxMail.Status.FAILED
    assert row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error
    assert row.sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_send(mail_id=row.pk) is True
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SENT
    assert row.attempts == 2
    assert len(django_mail.outbox) == 1


def test_task_asks_for_a_retry_on_smtp_errors_and_the_retry_sends(settings):
    row = OutboxMailFactory()
    settings.EMAIL_BACKEND = "tests.enrolment.test_mail.FailingBackend"

    with pytest.raises(Retry) as retry:
        send_outbox_mail.delay(row.pk)

    assert repr(retry.value.exc) == "OutboxSendError('SMTPServerDisconnected')"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxMail.Status.FAILED, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_outbox_mail.delay(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxMail.Status.SENT, 2)
    assert len(django_mail.outbox) == 1


def test_offer_mail_is_skipped_when_the_offer_is_gone_before_it_leaves(mailoutbox):
    enrolment = EnrolmentFactory(
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now(),
        offered_at=timezone.now() - datetime.timedelta(hours=80),
        offer_expires_at=timezone.now() - datetime.timedelta(hours=8),
    )
    row = OutboxMailFactory(enrolment=enrolment, kind=MailKind.OFFER)

    assert outbox_send(mail_id=row.pk) is False

    assert mailoutbox == []
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SKIPPED


def test_offer_expired_mail_is_skipped_once_a_new_offer_is_made(mailoutbox):
    enrolment = EnrolmentFactory(
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now(),
        offered_at=timezone.now(),
        offer_expires_at=timezone.now() + datetime.timedelta(hours=3),
    )
    row = OutboxMailFactory(enrolment=enrolment, kind=MailKind.OFFER_EXPIRED)

    assert outbox_send(mail_id=row.pk) is False

    assert mailoutbox == []
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SKIPPED


def test_offer_mail_gives_the_deadline_to_accept(django_capture_on_commit_callbacks, mailoutbox):
    session = _session(capacity=1)
    confirmed = EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)

    offer = next(m for m in mailoutbox if m.to == [waiting.trainee.email])
    waiting.refresh_from_db()
    expires = timezone.localtime(waiting.offer_expires_at)
    assert offer.subject.startswith("Une place s'est libérée – ")
    assert f"{expires.hour}\u00a0h\u00a0{expires:%M}" in offer.body
    assert offer.attachments
    cancelled = next(m for m in mailoutbox if m.to == [confirmed.trainee.email])
    assert cancelled.subject.startswith("Inscription annulée – ")
    # The calendar that takes the days back (tests/security/test_calendar_cancel.py).
    [(_name, _calendar, mimetype)] = cancelled.attachments
    assert mimetype == "text/calendar; method=CANCEL"


# The kinds queued when an enrolment changes. The jobs' kinds (reminders, convocation...) need
# other rows: tests/jobs/test_mail_kinds.py, which checks that the two lists cover every kind.
ENROLMENT_KINDS = [
    "confirmation",
    "link",
    "validated",
    "refused",
    "cancelled",
    "offer",
    "offer_expired",
    "disability_needs",
]


@pytest.mark.parametrize("kind", ENROLMENT_KINDS)
def test_every_kind_of_mail_renders(kind, mailoutbox):
    enrolment = EnrolmentFactory(
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now(),
        offered_at=timezone.now(),
        offer_expires_at=timezone.now() + datetime.timedelta(hours=3),
        disability_needs="Salle accessible en fauteuil roulant.",
    )
    if kind == MailKind.VALIDATED:
        enrolment.status = Enrolment.Status.CONFIRMED
    if kind in (MailKind.VALIDATED, MailKind.OFFER_EXPIRED):
        enrolment.offer_expires_at = None
        enrolment.save()
    row = OutboxMailFactory(enrolment=enrolment, kind=kind)

    assert outbox_send(mail_id=row.pk) is True

    [message] = mailoutbox
    # The trainee is greeted by name; the provider, who gets their needs, is not.
    greeting = "Bonjour," if kind == MailKind.DISABILITY_NEEDS else "Bonjour "
    assert message.body.startswith(greeting)
    assert "{%" not in message.body and "{{" not in message.body
    assert "Bonjour" in message.alternatives[0][0]


def test_mail_queue_writes_the_row_in_the_callers_transaction():
    enrolment = EnrolmentFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        mail_queue(kind=MailKind.LINK, enrolment=enrolment)
        raise RuntimeError

    assert not OutboxMail.objects.exists()


def test_offer_mail_is_skipped_when_the_person_cancelled_before_it_left(mailoutbox):
    session = SessionFactory(capacity=1, min_participants=0)
    confirmed = EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    services.enrolment_cancel(
        enrolment_id=confirmed.pk, by=TRAINEE
    )  # queues the offer, not yet sent
    services.enrolment_cancel(enrolment_id=waiting.pk, by=TRAINEE)
    offer = waiting.mails.get(kind=MailKind.OFFER)

    assert outbox_send(mail_id=offer.pk) is False

    assert mailoutbox == []
    offer.refresh_from_db()
    assert offer.status == OutboxMail.Status.SKIPPED

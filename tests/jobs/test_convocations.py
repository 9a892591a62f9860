"""Convocations: CONVOCATION_DAYS_BEFORE days before the first day, to each confirmed trainee,
once, with what the training rules require."""

import datetime

import pytest

from catalogue.models import Session
from enrolment import services
from enrolment.links import enrolment_id_from_token
from enrolment.mails import MailKind
from enrolment.models import Enrolment
from enrolment.tasks import send_convocations
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from outbox.services import outbox_send
from tests.factories import (
    EnrolmentFactory,
    ProviderFactory,
    SessionDayFactory,
    TraineeFactory,
    TrainerFactory,
)

from .helpers import FIRST_DAY, at, days, frozen, mails, recipients, session

TRAINEE = Actor.trainee()
STAFF = Actor.staff(None)

pytestmark = pytest.mark.django_db


def test_confirmed_trainees_get_their_convocation_seven_days_before(run, mailoutbox, settings):
    settings.CONVOCATION_DAYS_BEFORE = 7
    upcoming = session()
    confirmed = EnrolmentFactory(session=upcoming)
    for status in ("pending", "waitlisted", "cancelled", "refused"):
        EnrolmentFactory(session=upcoming, status=status)

    with frozen(at(FIRST_DAY - days(8), 8)):
        assert run(send_convocations) == 0
    with frozen(at(FIRST_DAY - days(7), 8)):
        assert run(send_convocations) == 1

    assert recipients(mailoutbox) == [confirmed.trainee.email]


def test_the_job_run_twice_sends_each_convocation_once_and_catches_late_confirmations(run):
    upcoming = session()
    first = EnrolmentFactory(session=upcoming)

    with frozen(at(FIRST_DAY - days(7), 8)):
        run(send_convocations)
        run(send_convocations)
    late = EnrolmentFactory(session=upcoming, status="pending")
    services.enrolment_validate(enrolment_id=late.pk, by=STAFF)
    with frozen(at(FIRST_DAY - days(2), 8)):
        run(send_convocations)
    with frozen(at(FIRST_DAY, 8)):
        assert run(send_convocations) == 0

    sent = mails(MailKind.CONVOCATION)
    assert sorted(sent.values_list("enrolment", flat=True)) == sorted([first.pk, late.pk])
    assert all(row.status == OutboxMail.Status.SENT for row in sent)


def test_cancelled_session_sends_no_convocation(run):
    cancelled = session(status=Session.Status.CANCELLED)
    EnrolmentFactory(session=cancelled)

    with frozen(at(FIRST_DAY - days(7), 8)):
        assert run(send_convocations) == 0
    assert not OutboxMail.objects.exists()


def test_convocation_queued_then_cancelled_is_skipped():
    upcoming = session()
    enrolment = EnrolmentFactory(session=upcoming)
    with frozen(at(FIRST_DAY - days(7), 8)):
        send_convocations.apply()  # queued; the test's transaction never commits
        services.enrolment_cancel(enrolment_id=enrolment.pk, by=TRAINEE)
        row = mails(MailKind.CONVOCATION).get()
        assert outbox_send(mail_id=row.pk) is False
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SKIPPED


def test_convocation_says_everything_the_training_rules_require(run, mailoutbox):
    provider = ProviderFactory(
        name="Croix-Rouge française",
        phone="02 47 00 00 00",
        disability_contact_name="Sam Leroy",
        disability_contact_email="handicap@croix-rouge.example.org",
    )
    upcoming = session(
        provider=provider,
        venue_name="IRFSS Centre-Val de Loire",
        venue_address="10 rue Jules Favre",
        access_notes="Tram A, arrêt Gare. Salle au rez-de-chaussée, accessible en fauteuil.",
        inter_session_work="Repérer une situation d'aller vers dans votre service.",
        days=[],
    )
    SessionDayFactory(session=upcoming, date=FIRST_DAY)
    SessionDayFactory(
        session=upcoming,
        date=FIRST_DAY + days(1),
        afternoon_start=None,
        afternoon_end=None,
        morning_start=datetime.time(9, 30),
    )
    upcoming.trainers.add(
        TrainerFactory(provider=provider, first_name="Chantal", last_name="Roux"),
        TrainerFactory(provider=provider, first_name="Marc", last_name="Petit", role="Formateur"),
    )
    enrolment = EnrolmentFactory(session=upcoming, trainee=TraineeFactory(first_name="Léa"))

    with frozen(at(FIRST_DAY - days(7), 8)):
        run(send_convocations)

    [message] = mailoutbox
    assert message.subject == (
        f"Convocation – Module {upcoming.module.number}, {upcoming.label} à Orléans"
    )
    body = message.body
    assert body.startswith("Bonjour Léa")
    # The space before : and ; is non-breaking (a time's own spaces are catalogue.formats').
    days_text = body.replace("\u00a0h", " h").replace("h\u00a0", "h ")
    assert (
        "- jeudi 10 avril 2031\u00a0: matin 9 h – 12 h 30\u00a0; après-midi 13 h 30 – 17 h"
        in days_text
    )
    assert "- vendredi 11 avril 2031\u00a0: matin 9 h 30 – 12 h 30\n" in days_text
    assert "feuille d'émargement" in body
    assert "IRFSS Centre-Val de Loire, 10 rue Jules Favre, 45000 Orléans" in body
    assert "Tram A, arrêt Gare." in body
    assert "Croix-Rouge française, 02 47 00 00 00" in body
    assert "- Chantal Roux, Chargée de projets" in body
    assert "- Marc Petit, Formateur" in body
    assert upcoming.opco_contact.full_name in body and upcoming.opco_contact.email in body
    assert "de quoi prendre des notes" in body
    assert "situations de terrain" in body
    assert "Repérer une situation d'aller vers dans votre service." in body
    assert "Sam Leroy, handicap@croix-rouge.example.org" in body
    assert "&#x27;" not in body
    token = body.split("/inscription/")[1].split("/")[0]
    with frozen(at(FIRST_DAY - days(7), 8)):  # a token stamped later than now is refused
        assert enrolment_id_from_token(token) == enrolment.pk
    html = message.alternatives[0][0]
    assert "<h2" in html and "Chantal Roux" in html and "Sam Leroy" in html
    [(filename, calendar, mimetype)] = message.attachments
    assert (filename, mimetype) == ("formation.ics", "text/calendar")
    assert calendar.count("BEGIN:VEVENT") == 2
    assert message.reply_to == [upcoming.opco_contact.email]
    assert Enrolment.objects.get().status == Enrolment.Status.CONFIRMED

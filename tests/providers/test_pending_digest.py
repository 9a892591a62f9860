"""The hourly digest of the enrolments awaiting a provider's decision: at most one an hour per
provider, and only when an enrolment is pending that no earlier digest reported."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from enrolment.models import Enrolment
from outbox.models import OutboxMail
from outbox.services import outbox_send
from providers.digests import pending_digests_send
from providers.mails import ProviderMailKind
from providers.tasks import send_pending_digests
from tests.factories import EnrolmentFactory, UserFactory

from .conftest import pending_enrolment

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()
# Tomorrow at 10:15: after the enrolments the tests make now.
TEN = datetime.datetime.combine(
    timezone.localdate() + datetime.timedelta(days=1), datetime.time(10, 15), tzinfo=PARIS
)


def digests():
    return OutboxMail.objects.filter(kind=ProviderMailKind.PENDING_DIGEST).order_by("pk")


def run(moment):
    with time_machine.travel(moment, tick=False):
        return pending_digests_send()


def test_two_runs_in_the_same_hour_send_one_digest(alice, session):
    pending_enrolment(session)

    assert run(TEN) == 1
    assert run(TEN + datetime.timedelta(minutes=30)) == 0

    [digest] = digests()
    assert digest.recipient == alice.email
    assert digest.about == session.provider


def test_a_new_pending_enrolment_an_hour_later_triggers_another(alice, session):
    pending_enrolment(session)
    run(TEN)

    later = TEN + datetime.timedelta(minutes=40)
    with time_machine.travel(later, tick=False):
        pending_enrolment(session)
    # Same hour: it waits for the next one.
    assert run(later) == 0
    assert run(TEN + datetime.timedelta(hours=1)) == 1
    assert digests().count() == 2


def test_nothing_new_pending_sends_nothing_the_next_hours(alice, session):
    pending_enrolment(session)
    run(TEN)

    assert run(TEN + datetime.timedelta(hours=1)) == 0
    assert run(TEN + datetime.timedelta(hours=5)) == 0


def test_an_enrolment_that_becomes_pending_later_is_reported(alice, session):
    pending_enrolment(session)
    run(TEN)
    # Created before the first digest, its address confirmed only after it.
    waiting = EnrolmentFactory(
        session=session,
        status=Enrolment.Status.UNCONFIRMED,
        held_status=Enrolment.Status.PENDING,
        hold_expires_at=TEN + datetime.timedelta(minutes=30),
        prerequisite_basis="practice",
        prerequisite_practice="Maraudes.",
    )
    assert run(TEN + datetime.timedelta(hours=1)) == 0

    Enrolment.objects.filter(pk=waiting.pk).update(
        status=Enrolment.Status.PENDING, held_status="", hold_expires_at=None
    )

    assert run(TEN + datetime.timedelta(hours=2)) == 1


def test_each_active_member_gets_it_and_no_other_provider(
    alice, bob, session, other_session, provider
):
    colleague = UserFactory(email="paul@croix-rouge.example.org")
    gone = UserFactory(email="ancien@croix-rouge.example.org", is_active=False)
    provider.members.add(colleague, gone)
    pending_enrolment(session)

    assert run(TEN) == 2

    assert sorted(digests().values_list("recipient", flat=True)) == sorted(
        [alice.email, colleague.email]
    )


def test_no_pending_enrolment_no_digest(alice, session):
    EnrolmentFactory(session=session, status=Enrolment.Status.CONFIRMED)

    assert run(TEN) == 0


def test_the_digest_lists_the_sessions_and_links_to_the_space(alice, session, mailoutbox):
    pending_enrolment(session)
    pending_enrolment(session)
    run(TEN)

    assert outbox_send(mail_id=digests().get().pk) is True

    [message] = mailoutbox
    assert message.to == [alice.email]
    assert message.subject == "Inscriptions à valider – Croix-Rouge française"
    assert message.body.startswith("Bonjour,")
    assert "2 inscriptions aux sessions de Croix-Rouge française" in message.body
    assert "Groupe 1, Orléans" in message.body
    assert "http://127.0.0.1:8000/espace-organisme/" in message.body
    # No trainee's name: the space shows them to whoever logs in.
    enrolment = Enrolment.objects.filter(session=session).first()
    assert enrolment.trainee.last_name not in message.body
    html, _mimetype = message.alternatives[0]
    assert '<html lang="fr">' in html


def test_a_digest_whose_enrolments_were_decided_meanwhile_is_skipped(alice, session, mailoutbox):
    enrolment = pending_enrolment(session)
    run(TEN)
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.CONFIRMED)

    assert outbox_send(mail_id=digests().get().pk) is False

    assert mailoutbox == []
    assert digests().get().status == OutboxMail.Status.SKIPPED


def test_the_task_wraps_the_job(alice, session):
    pending_enrolment(session)

    assert send_pending_digests.run() == 1

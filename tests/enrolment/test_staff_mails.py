"""What staff send by hand to a session's trainees (enrolment.staff_mails): never twice for the
same reason, whether the daily convocation job or staff come first."""

import pytest

from catalogue.models import Session
from enrolment import staff_mails
from enrolment.jobs import convocations_send
from enrolment.mails import MailKind
from enrolment.models import Enrolment, StaffMessage
from enrolment.services import EnrolmentError
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from outbox.services import outbox_send
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return Actor.staff(UserFactory(is_staff=True))


@pytest.fixture
def soon(settings):
    """A session whose convocations the job sends today, with two confirmed trainees."""
    settings.CONVOCATION_DAYS_BEFORE = 7
    session = SessionFactory(starts_in=5)
    EnrolmentFactory.create_batch(2, session=session)
    EnrolmentFactory(session=session, status=Enrolment.Status.PENDING)
    return session


def convocations():
    return OutboxMail.objects.filter(kind=MailKind.CONVOCATION)


def test_the_job_sends_nothing_after_staff_sent_the_convocations(soon, staff):
    sent = staff_mails.convocations_send_now(session_id=soon.pk, token="a" * 32, by=staff)
    assert (sent.queued, sent.already) == (2, 0)
    assert convocations_send() == 0
    assert convocations().count() == 2


def test_staff_send_nothing_again_after_the_job(soon, staff):
    assert convocations_send() == 2
    sent = staff_mails.convocations_send_now(session_id=soon.pk, token="b" * 32, by=staff)
    assert (sent.queued, sent.already) == (0, 2)
    assert convocations().count() == 2
    # Nothing sent, nothing recorded: no "0 destinataires" line in the session's history.
    assert not StaffMessage.objects.exists()


def test_the_same_form_posted_twice_sends_once(soon, staff):
    enrolment = soon.enrolments.filter(status="confirmed").first()
    assert staff_mails.convocation_resend(enrolment_id=enrolment.pk, token="c" * 32, by=staff)
    assert (
        staff_mails.convocation_resend(enrolment_id=enrolment.pk, token="c" * 32, by=staff) is None
    )
    assert convocations().count() == 1
    # The resend has a key of its own: the job still sends the usual convocation.
    assert convocations_send() == 2


def test_a_resend_after_the_convocation_is_a_new_mail(soon, staff):
    convocations_send()
    enrolment = soon.enrolments.filter(status="confirmed").first()
    staff_mails.convocation_resend(enrolment_id=enrolment.pk, token="d" * 32, by=staff)
    staff_mails.convocation_resend(enrolment_id=enrolment.pk, token="e" * 32, by=staff)
    assert convocations().filter(recipient=enrolment.trainee.email).count() == 3
    assert StaffMessage.objects.filter(kind="convocation_resend").count() == 2


@pytest.mark.parametrize("status", [Session.Status.DRAFT, Session.Status.CANCELLED])
def test_a_session_not_published_sends_no_convocation(soon, staff, status):
    Session.objects.filter(pk=soon.pk).update(status=status)
    with pytest.raises(EnrolmentError):
        staff_mails.convocations_send_now(session_id=soon.pk, token="f" * 32, by=staff)
    assert not convocations().exists()
    assert not StaffMessage.objects.exists()


def test_a_started_session_sends_no_convocation(staff):
    started = SessionFactory(starts_in=0)
    enrolment = EnrolmentFactory(session=started)
    with pytest.raises(EnrolmentError):
        staff_mails.convocation_resend(enrolment_id=enrolment.pk, token="0" * 32, by=staff)
    assert not OutboxMail.objects.exists()


def test_a_message_without_recipient_is_refused(staff):
    empty = SessionFactory()
    with pytest.raises(EnrolmentError):
        staff_mails.staff_message_send(
            session_id=empty.pk,
            subject="Info",
            body="Texte",
            include_waitlisted=True,
            token="1" * 32,
            by=staff,
        )
    assert not StaffMessage.objects.exists()


def test_a_message_to_a_trainee_who_cancelled_meanwhile_is_skipped(soon, staff, mailoutbox):
    staff_mails.staff_message_send(
        session_id=soon.pk,
        subject="Info",
        body="Texte",
        include_waitlisted=False,
        token="2" * 32,
        by=staff,
    )
    rows = list(OutboxMail.objects.filter(kind=MailKind.STAFF_MESSAGE).order_by("pk"))
    assert len(rows) == 2
    Enrolment.objects.filter(pk=rows[0].object_id).update(status=Enrolment.Status.CANCELLED)
    assert outbox_send(mail_id=rows[0].pk) is False
    assert outbox_send(mail_id=rows[1].pk) is True
    assert len(mailoutbox) == 1
    assert "Texte" in mailoutbox[0].body

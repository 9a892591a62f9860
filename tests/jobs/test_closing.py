"""Registration closing: the minimum alert to the OPCO contact, and the session's
cancellation (service and admin action) that mails every enrolled and waitlisted trainee."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Session
from enrolment import services, session_services
from enrolment.mails import MailKind
from enrolment.models import Enrolment
from enrolment.tasks import close_registrations, send_convocations, send_deadline_reminders
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from outbox.services import outbox_send
from tests.factories import EnrolmentFactory, ModuleFactory

from .helpers import (
    DEADLINE,
    FIRST_DAY,
    at,
    days,
    frozen,
    mails,
    recipients,
    session,
    subscription,
)

STAFF = Actor.staff(None)

pytestmark = pytest.mark.django_db


def _enrol(session, *statuses):
    return [EnrolmentFactory(session=session, status=status) for status in statuses]


def test_session_under_its_minimum_alerts_the_opco_contact_once_the_deadline_passed(
    run, mailoutbox
):
    under = session(min_participants=6)
    _enrol(under, "confirmed", "confirmed", "pending", "waitlisted", "cancelled")

    with frozen(at(DEADLINE, 7, 30)):
        assert run(close_registrations) == 0
    with frozen(at(DEADLINE + days(1), 7, 30)):
        assert run(close_registrations) == 1
    with frozen(at(DEADLINE + days(2), 7, 30)):
        assert run(close_registrations) == 0

    [alert] = mailoutbox
    assert alert.to == [under.opco_contact.email]
    assert alert.subject.startswith("Minimum de participants non atteint – ")
    assert "sans atteindre le minimum de 6 participants" in alert.body
    assert "Confirmées\u00a0: 2" in alert.body
    assert "À valider (prérequis)\u00a0: 1" in alert.body
    assert "Annuler les sessions sélectionnées" in alert.body


def test_no_alert_when_the_minimum_is_reached_or_the_session_cancelled_or_started(run):
    reached = session(min_participants=2)
    _enrol(reached, "confirmed", "pending")
    cancelled = session(min_participants=6, status=Session.Status.CANCELLED)
    _enrol(cancelled, "confirmed")
    no_minimum = session(min_participants=0)

    with frozen(at(DEADLINE + days(1), 7, 30)):
        run(close_registrations)
    with frozen(at(FIRST_DAY, 7, 30)):
        started = session(min_participants=6, registration_deadline=FIRST_DAY - days(3))
        run(close_registrations)

    alerted = set(mails(MailKind.MINIMUM_ALERT).values_list("object_id", flat=True))
    assert alerted.isdisjoint({reached.pk, cancelled.pk, no_minimum.pk, started.pk})


def test_minimum_alert_is_skipped_if_enrolments_caught_up_before_it_left():
    under = session(min_participants=1)
    with frozen(at(DEADLINE + days(1), 7, 30)):
        close_registrations.apply()  # queued; the test's transaction never commits
        row = mails(MailKind.MINIMUM_ALERT).get()
        _enrol(under, "confirmed")
        assert outbox_send(mail_id=row.pk) is False
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SKIPPED


# Cancelling a session.


def test_cancelling_a_session_cancels_and_mails_every_active_enrolment(
    django_capture_on_commit_callbacks, mailoutbox
):
    doomed = session(module=ModuleFactory(), capacity=2, min_participants=0)
    confirmed, pending, waitlisted = _enrol(doomed, "confirmed", "pending", "waitlisted")
    refused = EnrolmentFactory(session=doomed, status=Enrolment.Status.REFUSED)
    other = session(module=doomed.module, label="Groupe 9", city="Tours")

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = session_services.session_cancel(
            session_id=doomed.pk, by=STAFF, reason="Trop peu d'inscrits."
        )

    doomed.refresh_from_db()
    assert doomed.status == Session.Status.CANCELLED
    assert {e.pk for e in cancelled} == {confirmed.pk, pending.pk, waitlisted.pk}
    for enrolment in (confirmed, pending, waitlisted):
        enrolment.refresh_from_db()
        assert enrolment.status == Enrolment.Status.CANCELLED
        assert enrolment.offer_expires_at is None
    assert recipients(mailoutbox) == sorted(
        e.trainee.email for e in (confirmed, pending, waitlisted)
    )
    assert refused.trainee.email not in recipients(mailoutbox)
    message = mailoutbox[0]
    assert message.subject.startswith("Session annulée – ")
    assert "Motif\u00a0: Trop peu d'inscrits." in message.body
    assert other.get_absolute_url() in message.body
    [(filename, calendar, _)] = message.attachments
    assert filename == "formation.ics"
    assert "STATUS:CANCELLED" in calendar
    assert not mails(MailKind.OFFER).exists()


def test_cancelling_twice_mails_only_what_was_left_active(django_capture_on_commit_callbacks):
    doomed = session()
    first = _enrol(doomed, "confirmed")[0]
    session_services.session_cancel(session_id=doomed.pk, by=STAFF)
    # Someone set an enrolment back by hand in the admin.
    Enrolment.objects.filter(pk=first.pk).update(status="confirmed")
    late = EnrolmentFactory(session=doomed, status="pending")

    again = session_services.session_cancel(session_id=doomed.pk, by=STAFF)

    assert {e.pk for e in again} == {first.pk, late.pk}
    keys = sorted(mails(MailKind.SESSION_CANCELLED).values_list("dedup_key", flat=True))
    assert keys == sorted([f"session_cancelled:{first.pk}", f"session_cancelled:{late.pk}"])


def test_a_session_that_is_over_cannot_be_cancelled():
    past = session(
        registration_deadline=None,
        days=[timezone.localdate() - days(3), timezone.localdate() - days(2)],
    )
    EnrolmentFactory(session=past)

    with pytest.raises(services.EnrolmentError) as error:
        session_services.session_cancel(session_id=past.pk, by=STAFF)

    assert error.value.code == "session_over"
    past.refresh_from_db()
    assert past.status == Session.Status.PUBLISHED


def test_admin_action_asks_for_confirmation_then_cancels_with_the_reason(
    admin_client, django_capture_on_commit_callbacks, mailoutbox
):
    doomed = session()
    _enrol(doomed, "confirmed", "waitlisted")
    url = reverse("admin:catalogue_session_changelist")
    selection = {"action": "cancel_sessions", ACTION_CHECKBOX_NAME: [doomed.pk]}

    confirmation = admin_client.post(url, selection)

    assert confirmation.status_code == 200
    page = confirmation.content.decode()
    assert "2 stagiaires à prévenir" in page
    assert "Oui, annuler cette session" in page
    doomed.refresh_from_db()
    assert doomed.status == Session.Status.PUBLISHED

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(
            url, {**selection, "confirm": "yes", "reason": "Intervenante indisponible."}
        )

    assert done.status_code == 302
    doomed.refresh_from_db()
    assert doomed.status == Session.Status.CANCELLED
    assert len(mailoutbox) == 2
    assert all("Intervenante indisponible." in m.body for m in mailoutbox)


def test_cancelled_session_sends_no_convocation_nor_reminder(run):
    doomed = session()
    _enrol(doomed, "confirmed")
    subscription(doomed, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))
    session_services.session_cancel(session_id=doomed.pk, by=STAFF)

    with frozen(at(DEADLINE - days(7), 9, 5)):
        assert run(send_deadline_reminders) == 0
    with frozen(at(FIRST_DAY - days(7), 8)):
        assert run(send_convocations) == 0

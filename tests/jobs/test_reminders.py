"""Deadline reminders: who is reminded at each stage, the OPCO contact's and the provider's
figures, and the double opt-in that comes before."""

import re

import pytest
from django.core import mail as django_mail
from django.test import Client
from django.urls import reverse

from enrolment.mails import MailKind
from enrolment.models import Enrolment, ReminderSubscription
from enrolment.reminder_links import (
    confirm_token,
    subscription_id_to_confirm,
    subscription_id_to_unsubscribe,
    unsubscribe_token,
)
from enrolment.tasks import send_deadline_reminders
from outbox.models import OutboxMail
from outbox.services import outbox_send
from tests.factories import EnrolmentFactory, ProviderFactory, TraineeFactory

from .helpers import DEADLINE, at, days, frozen, mails, recipients, session, subscription

pytestmark = pytest.mark.django_db

# Stage 7: 13 March 2031 at 9:00 (Europe/Paris); stage 2: 18 March at 9:00.
STAGE_7 = at(DEADLINE - days(7), 9, 0)


def _token(text, action):
    """The token of the first /rappel/<token>/<action>/ link in a mail."""
    return re.search(rf"/rappel/([^/\s\"]+)/{action}/", text).group(1)


@pytest.fixture
def open_session():
    return session(provider=ProviderFactory(email="contact@organisme.example.org"))


def test_reminder_goes_to_confirmed_subscribers_who_have_not_enrolled(
    open_session, run, mailoutbox
):
    subscription(open_session, "early@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))
    subscription(open_session, "unconfirmed@ccas.example.org")
    subscription(
        open_session,
        "stopped@ccas.example.org",
        confirmed_at=at(DEADLINE - days(30)),
        unsubscribed_at=at(DEADLINE - days(20)),
    )
    subscription(open_session, "Enrolled@CCAS.example.org", confirmed_at=at(DEADLINE - days(30)))
    EnrolmentFactory(
        session=open_session, trainee=TraineeFactory(email="enrolled@ccas.example.org")
    )

    with frozen(at(DEADLINE - days(7), 9, 5)):
        run(send_deadline_reminders)

    reminders = [m for m in mailoutbox if m.to != [open_session.opco_contact.email]]
    reminded = sorted(m.to[0] for m in reminders if m.subject.startswith("Inscriptions"))
    assert reminded == ["early@ccas.example.org"]


def test_someone_who_subscribed_after_the_reminder_moment_waits_for_the_next_stage(
    open_session, run
):
    early = subscription(open_session, "early@ccas.example.org", confirmed_at=STAGE_7 - days(1))
    late = subscription(
        open_session, "late@ccas.example.org", confirmed_at=at(DEADLINE - days(7), 9, 2)
    )

    with frozen(at(DEADLINE - days(7), 9, 5)):
        run(send_deadline_reminders)
    assert set(mails(MailKind.REMINDER).values_list("dedup_key", flat=True)) == {
        f"reminder:{early.pk}:7"
    }

    with frozen(at(DEADLINE - days(2), 9, 5)):
        run(send_deadline_reminders)
    assert set(mails(MailKind.REMINDER).values_list("dedup_key", flat=True)) == {
        f"reminder:{early.pk}:7",
        f"reminder:{early.pk}:2",
        f"reminder:{late.pk}:2",
    }


def test_someone_who_enrolled_after_subscribing_is_not_reminded(open_session, run, mailoutbox):
    subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))
    with frozen(at(DEADLINE - days(7), 9, 5)):
        run(send_deadline_reminders)
    EnrolmentFactory(session=open_session, trainee=TraineeFactory(email="lea@ccas.example.org"))
    mailoutbox.clear()

    with frozen(at(DEADLINE - days(2), 9, 5)):
        run(send_deadline_reminders)

    assert "lea@ccas.example.org" not in recipients(mailoutbox)
    assert mails(MailKind.REMINDER).count() == 1


def test_nothing_is_due_before_nine_or_after_the_deadline(open_session, run):
    subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))

    with frozen(at(DEADLINE - days(7), 8, 55)):
        assert run(send_deadline_reminders) == 0
    with frozen(at(DEADLINE + days(1), 9, 5)):
        assert run(send_deadline_reminders) == 0
    assert not OutboxMail.objects.exists()


def test_running_the_reminders_twice_sends_each_mail_once(open_session, run, mailoutbox):
    subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))

    with frozen(at(DEADLINE - days(7), 9, 5)):
        assert run(send_deadline_reminders) == 3
    with frozen(at(DEADLINE - days(6), 9, 5)):
        assert run(send_deadline_reminders) == 0

    assert recipients(mailoutbox) == sorted(
        [
            "lea@ccas.example.org",
            open_session.opco_contact.email,
            "contact@organisme.example.org",
        ]
    )


def test_a_late_job_sends_only_the_latest_stage(open_session, run):
    lea = subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))

    with frozen(at(DEADLINE - days(2), 10, 0)):
        run(send_deadline_reminders)

    keys = set(OutboxMail.objects.values_list("dedup_key", flat=True))
    assert keys == {
        f"reminder:{lea.pk}:2",
        f"summary:{open_session.pk}:opco:2",
        f"summary:{open_session.pk}:provider:2",
    }


def test_full_session_reminds_no_one_but_staff_get_their_figures(run, mailoutbox):
    full = session(capacity=1, min_participants=0)
    EnrolmentFactory(session=full)
    subscription(full, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))

    with frozen(at(DEADLINE - days(7), 9, 5)):
        run(send_deadline_reminders)

    assert "lea@ccas.example.org" not in recipients(mailoutbox)
    assert full.opco_contact.email in recipients(mailoutbox)


def test_reminder_mail_has_the_deadline_the_seats_and_a_one_click_unsubscribe(
    open_session, run, mailoutbox
):
    lea = subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))
    EnrolmentFactory(session=open_session)

    with frozen(at(DEADLINE - days(7), 9, 5)):
        run(send_deadline_reminders)

    [message] = [m for m in mailoutbox if m.to == ["lea@ccas.example.org"]]
    assert message.subject.startswith("Inscriptions ouvertes jusqu'au jeudi 20 mars 2031 – ")
    assert message.body.startswith("Bonjour,")
    assert "Il reste 11 places." in message.body
    assert reverse("enrolment:enrol", args=[open_session.pk]) in message.body
    header = message.extra_headers["List-Unsubscribe"]
    with frozen(at(DEADLINE - days(7), 9, 5)):  # a token stamped later than now is refused
        assert subscription_id_to_unsubscribe(_token(message.body, "arreter")) == lea.pk
        html = message.alternatives[0][0]
        assert subscription_id_to_unsubscribe(_token(html, "arreter")) == lea.pk
        assert subscription_id_to_unsubscribe(_token(header, "arreter")) == lea.pk
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_staff_summary_counts_confirmed_pending_waitlisted_capacity_and_minimum(
    open_session, run, mailoutbox
):
    for status in ["confirmed", "confirmed", "pending", "waitlisted", "cancelled"]:
        EnrolmentFactory(session=open_session, status=status)

    with frozen(at(DEADLINE - days(7), 9, 5)):
        run(send_deadline_reminders)

    [summary] = [m for m in mailoutbox if m.to == [open_session.opco_contact.email]]
    assert summary.subject.startswith("Point sur les inscriptions (date limite le jeudi 20 mars")
    body = summary.body
    assert "Confirmées\u00a0: 2" in body
    assert "À valider (prérequis)\u00a0: 1" in body
    assert "Liste d'attente\u00a0: 1" in body
    assert "Places\u00a0: 12 (9 restantes)" in body
    assert "Minimum de participants\u00a0: 6" in body
    assert "Le minimum de participants n'est pas atteint" in body
    assert f"/admin/catalogue/session/{open_session.pk}/change/" in body
    assert [m.to for m in mailoutbox if m.to == ["contact@organisme.example.org"]]


def test_reminder_is_skipped_when_the_subscriber_enrolled_before_it_left(open_session, run):
    subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))
    with frozen(at(DEADLINE - days(7), 9, 5)):
        send_deadline_reminders.apply()  # queued, not sent: no commit in this test
    EnrolmentFactory(session=open_session, trainee=TraineeFactory(email="lea@ccas.example.org"))

    row = mails(MailKind.REMINDER).get()
    assert outbox_send(mail_id=row.pk) is False
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SKIPPED


# The request and its double opt-in.


def _ask(client, session, email, **extra):
    url = reverse("enrolment:reminder_subscribe", args=[session.pk])
    return client.post(url, {"email": email, "site_internet": "", **extra})


def test_session_page_offers_the_reminder_button_while_registration_is_open(client, open_session):
    response = client.get(open_session.get_absolute_url())
    url = reverse("enrolment:reminder_subscribe", args=[open_session.pk])
    assert f'href="{url}"' in response.content.decode()
    assert "Me rappeler avant la date limite" in response.content.decode()

    closed = session(registration_deadline=None, status="cancelled")
    assert f'href="{reverse("enrolment:reminder_subscribe", args=[closed.pk])}"' not in (
        client.get(closed.get_absolute_url()).content.decode()
    )


def test_reminder_request_mails_a_confirmation_link_and_confirms_nothing_yet(
    client, open_session, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, open_session, "lea@ccas.example.org")

    assert response.status_code == 302
    assert response.url == reverse("enrolment:reminder_requested", args=[open_session.pk])
    request = ReminderSubscription.objects.get()
    assert request.confirmed_at is None
    [message] = mailoutbox
    assert message.to == ["lea@ccas.example.org"]
    assert message.subject.startswith("Confirmez votre demande de rappel – ")
    assert subscription_id_to_confirm(_token(message.body, "confirmer")) == request.pk
    assert subscription_id_to_unsubscribe(_token(message.body, "arreter")) == request.pk


def test_confirm_link_shows_a_button_and_the_post_confirms(client, open_session):
    request = subscription(open_session, "lea@ccas.example.org")
    url = reverse("enrolment:reminder_confirm", args=[confirm_token(request)])

    page = client.get(url)
    request.refresh_from_db()
    assert page.status_code == 200
    assert "Oui, me rappeler avant la date limite" in page.content.decode()
    assert request.confirmed_at is None

    done = client.post(url)
    request.refresh_from_db()
    assert request.confirmed_at is not None
    assert "Votre demande est confirmée" in done.content.decode()


def test_asking_again_gives_the_same_answer_and_mails_no_one_already_confirmed(
    client, open_session, django_capture_on_commit_callbacks, mailoutbox
):
    subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))

    with django_capture_on_commit_callbacks(execute=True):
        known = _ask(client, open_session, "LEA@ccas.example.org")
        unknown = _ask(client, open_session, "paul@ccas.example.org")

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert recipients(mailoutbox) == ["paul@ccas.example.org"]
    assert ReminderSubscription.objects.count() == 2


def test_unconfirmed_request_gets_its_link_again_at_most_once_a_day(
    client, open_session, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            _ask(client, open_session, "lea@ccas.example.org")

    assert len(mailoutbox) == 1
    assert ReminderSubscription.objects.count() == 1


def test_honeypot_request_records_nothing_and_answers_the_same(client, open_session):
    response = _ask(client, open_session, "bot@example.org", site_internet="http://spam")

    assert response.status_code == 302
    assert not ReminderSubscription.objects.exists()


def test_reminder_requests_are_rate_limited_per_ip(client, open_session, settings):
    settings.ENROLMENT_RATE_LIMIT_LINK = 2
    for number in range(2):
        assert _ask(client, open_session, f"p{number}@ccas.example.org").status_code == 302
    assert _ask(client, open_session, "p9@ccas.example.org").status_code == 429


def test_unsubscribe_link_opened_with_a_get_only_shows_the_button(client, open_session):
    """Mail scanners open the links of a mail: that must not stop the reminders."""
    lea = subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))
    url = reverse("enrolment:reminder_unsubscribe", args=[unsubscribe_token(lea)])

    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<form method="post" action="{url}">' in page
    assert "Arrêter les rappels</button>" in page
    lea.refresh_from_db()
    assert lea.unsubscribed_at is None


def test_unsubscribe_button_stops_reminders(open_session, run):
    lea = subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))
    url = reverse("enrolment:reminder_unsubscribe", args=[unsubscribe_token(lea)])

    # The page's form, as a browser posts it (the page gives no CSRF token).
    response = Client(enforce_csrf_checks=True).post(url)

    assert response.status_code == 200
    assert "vous ne recevrez plus de rappel" in response.content.decode()
    lea.refresh_from_db()
    assert lea.unsubscribed_at is not None
    with frozen(at(DEADLINE - days(7), 9, 5)):
        run(send_deadline_reminders)
    assert not mails(MailKind.REMINDER).exists()


def test_one_click_unsubscribe_post_stops_reminders_without_csrf(open_session):
    """RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the List-Unsubscribe
    URL, with no CSRF token."""
    lea = subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))
    url = reverse("enrolment:reminder_unsubscribe", args=[unsubscribe_token(lea)])

    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    lea.refresh_from_db()
    assert lea.unsubscribed_at is not None


def test_unsubscribe_link_of_a_stopped_request_says_it_is_stopped(client, open_session):
    stopped_at = at(DEADLINE - days(20))
    lea = subscription(
        open_session,
        "lea@ccas.example.org",
        confirmed_at=at(DEADLINE - days(30)),
        unsubscribed_at=stopped_at,
    )

    response = client.get(reverse("enrolment:reminder_unsubscribe", args=[unsubscribe_token(lea)]))

    assert "vous ne recevrez plus de rappel" in response.content.decode()
    lea.refresh_from_db()
    assert lea.unsubscribed_at == stopped_at


def test_a_confirm_token_does_not_unsubscribe_and_a_forged_one_is_refused(client, open_session):
    lea = subscription(open_session, "lea@ccas.example.org", confirmed_at=at(DEADLINE - days(30)))

    wrong = client.post(reverse("enrolment:reminder_unsubscribe", args=[confirm_token(lea)]))
    forged = client.post(reverse("enrolment:reminder_confirm", args=["1:forged"]))
    forged_stop = client.post(reverse("enrolment:reminder_unsubscribe", args=["1:forged"]))

    assert wrong.status_code == forged.status_code == forged_stop.status_code == 404
    lea.refresh_from_db()
    assert lea.unsubscribed_at is None


def test_reminder_request_on_a_closed_session_shows_the_closed_page(client):
    # Published, then cancelled: a session cancelled before publication is not public.
    closed = session(status="cancelled", published_at=at(DEADLINE - days(60)))
    response = _ask(client, closed, "lea@ccas.example.org")
    assert response.status_code == 200
    assert "n'accepte plus d'inscription" in response.content.decode()
    assert not ReminderSubscription.objects.exists()
    assert not django_mail.outbox
    assert Enrolment.objects.count() == 0

"""An enrolment counts once its address is confirmed: the public form reveals nothing about who
is enrolled, writes no one's identity, and a stranger's invented addresses hold seats only for
a short time."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.middleware.csrf import CSRF_TOKEN_LENGTH
from django.urls import resolve, reverse
from django.utils import timezone

from enrolment import services
from enrolment.links import (
    CONFIRM_SALT,
    SALT,
    LinkInvalid,
    confirmation_token,
    enrolment_id_from_token,
    enrolment_token,
    signed_id,
)
from enrolment.mails import MailKind
from enrolment.models import Enrolment
from enrolment.selectors import seats_held
from enrolment.session_services import session_cancel
from enrolment.tasks import expire_unconfirmed_holds
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.enrolment.helpers import enrol, form_data, submit
from tests.factories import EnrolmentFactory, SessionFactory, TraineeFactory

pytestmark = pytest.mark.django_db

Status = Enrolment.Status


def _post(client, session, **overrides):
    return client.post(reverse("enrolment:enrol", args=[session.pk]), form_data(**overrides))


def _neutral(html: str) -> str:
    """The page without what differs from one request to the next (the CSRF token)."""
    return re.sub(rf'value="[A-Za-z0-9]{{{CSRF_TOKEN_LENGTH}}}"', "", html)


def test_a_known_address_on_another_session_reveals_nothing_and_writes_no_identity(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    lea = TraineeFactory(email="lea@ccas.example.org", first_name="Léa", phone="0612345678")
    EnrolmentFactory(trainee=lea)
    other_session = SessionFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, other_session, email="lea@ccas.example.org", first_name="Intrus")

    assert response["Location"] == reverse("enrolment:received", args=[other_session.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Léa" not in page and "Intrus" not in page and "lea@ccas" not in page
    assert "/inscription/" not in page.replace("/inscription/envoyee/", "")
    lea.refresh_from_db()
    assert lea.first_name == "Léa"
    enrolment = Enrolment.objects.get(session=other_session)
    assert enrolment.status == Status.UNCONFIRMED
    # Only the owner of the address hears of it, with a link to confirm, not a personal link.
    [message] = mailoutbox
    assert message.to == ["lea@ccas.example.org"]
    assert "/inscription/confirmer/" in message.body
    assert enrolment_token(enrolment) not in message.body


def test_the_answer_is_the_same_whoever_the_address_belongs_to(client):
    session = SessionFactory()
    enrolled = enrol(session, email="deja@ccas.example.org").enrolment
    TraineeFactory(email="connue@ccas.example.org")

    answers = [
        _post(client, session, email=email)
        for email in (
            "nouvelle@ccas.example.org",
            enrolled.trainee.email,
            "connue@ccas.example.org",
        )
    ]

    assert {answer.status_code for answer in answers} == {302}
    assert len({answer["Location"] for answer in answers}) == 1
    pages = {_neutral(client.get(answers[0]["Location"]).content.decode()) for _ in answers}
    assert len(pages) == 1


def test_the_resend_form_answers_the_same_for_any_address(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, session, email="lea@ccas.example.org")
    url = reverse("enrolment:received", args=[session.pk])
    mailoutbox.clear()

    answers = [
        client.post(url, {"email": email}, follow=True)
        for email in ("lea@ccas.example.org", "personne@ccas.example.org")
    ]

    assert len({_neutral(answer.content.decode()) for answer in answers}) == 1
    # Lea got her link minutes ago: not again yet; the stranger's address gets nothing.
    assert mailoutbox == []


def test_an_unconfirmed_hold_keeps_its_seat_then_lapses_and_the_seat_goes_to_the_queue(
    time_machine, mailoutbox
):
    time_machine.move_to(timezone.now(), tick=False)
    session = SessionFactory(capacity=2, min_participants=0)
    invented = [submit(session, email=f"faux{n}@example.org").enrolment for n in range(2)]
    waiting = enrol(session, email="lea@ccas.example.org").enrolment
    assert seats_held(session) == 2
    assert waiting.status == Status.WAITLISTED

    time_machine.shift(datetime.timedelta(minutes=31))
    assert seats_held(session) == 0  # the seat rule stops counting a lapsed hold at once
    assert expire_unconfirmed_holds.delay().get() == 2

    for enrolment in invented:
        enrolment.refresh_from_db()
        assert enrolment.status == Status.CANCELLED
        assert enrolment.submitted_identity == {}
    waiting.refresh_from_db()
    assert waiting.has_outstanding_offer


def test_confirming_after_the_hold_lapsed_is_refused_and_frees_the_seat(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    session = SessionFactory(capacity=1, min_participants=0)
    enrolment = submit(session, email="lea@ccas.example.org").enrolment
    url = reverse("enrolment:confirm", args=[confirmation_token(enrolment)])

    time_machine.shift(datetime.timedelta(minutes=31))
    response = client.post(url)

    assert response.status_code == 410
    assert "Le délai pour confirmer cette inscription est dépassé" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Status.CANCELLED
    assert seats_held(session) == 0


def test_opening_the_link_confirms_nothing_pressing_its_button_does(client, mailoutbox):
    session = SessionFactory()
    _post(client, session, email="lea@ccas.example.org", first_name="Léa")
    enrolment = Enrolment.objects.get()
    url = reverse("enrolment:confirm", args=[confirmation_token(enrolment)])

    page = client.get(url)

    assert page.status_code == 200
    assert "Léa" in page.content.decode()  # the owner sees whom they confirm
    enrolment.refresh_from_db()
    assert enrolment.status == Status.UNCONFIRMED
    response = client.post(url)
    # Compared by what it carries: a token made a second later differs.
    assert _personal_page_of(response["Location"]) == enrolment.pk
    enrolment.refresh_from_db()
    assert enrolment.status == Status.CONFIRMED
    # Confirming again changes nothing.
    assert client.post(url).status_code == 302
    assert Enrolment.objects.get().status == Status.CONFIRMED


def test_the_owner_confirming_writes_the_identity_they_typed():
    lea = TraineeFactory(email="lea@ccas.example.org", first_name="Léa", last_name="Ancien")
    session = SessionFactory()
    enrolment = submit(session, email="lea@ccas.example.org", last_name="Nouveau").enrolment
    lea.refresh_from_db()
    assert lea.last_name == "Ancien"

    services.enrolment_confirm(enrolment_id=enrolment.pk)

    lea.refresh_from_db()
    assert lea.last_name == "Nouveau"
    enrolment.refresh_from_db()
    assert enrolment.submitted_identity == {}


def test_the_waiting_list_keeps_the_order_of_submission_whatever_the_order_of_confirmation():
    session = SessionFactory(capacity=1, min_participants=0)
    enrol(session)
    queued = [submit(session, email=f"p{n}@ccas.example.org").enrolment for n in range(3)]

    for enrolment in reversed(queued):
        services.enrolment_confirm(enrolment_id=enrolment.pk)

    assert [e.pk for e in session.enrolments.waitlisted()] == [e.pk for e in queued]


@pytest.mark.parametrize("payload", [True, "1", 1.0, [1], {"id": 1}, None, 0, -3], ids=repr)
def test_a_signed_token_whose_payload_is_not_an_id_is_refused(payload):
    for salt in (SALT, CONFIRM_SALT):
        with pytest.raises(LinkInvalid):
            signed_id(signing.dumps(payload, salt=salt), salt=salt)


def test_a_token_stamped_in_the_future_is_refused(client, time_machine):
    enrolment = EnrolmentFactory()
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2), tick=False)
    token = enrolment_token(enrolment)
    time_machine.move_to(timezone.now() - datetime.timedelta(days=2), tick=False)

    response = client.get(reverse("enrolment:detail", args=[token]))

    assert response.status_code == 404


def test_the_confirmation_mail_carries_a_working_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, session, email="lea@ccas.example.org")

    [link] = re.findall(r"https?://\S*/inscription/confirmer/[^/\s]+/", mailoutbox[0].body)
    response = client.post(urlsplit(link).path)

    assert response.status_code == 302
    assert Enrolment.objects.get().status == Status.CONFIRMED


def test_the_confirmation_link_can_be_asked_again_every_five_minutes(
    client, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(timezone.now(), tick=False)
    session = SessionFactory()
    url = reverse("enrolment:received", args=[session.pk])
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, session, email="lea@ccas.example.org")
        time_machine.shift(datetime.timedelta(minutes=6))
        client.post(url, {"email": "lea@ccas.example.org"})
        client.post(url, {"email": "lea@ccas.example.org"})

    assert [m.subject.split(" –")[0] for m in mailoutbox] == ["Confirmez votre inscription"] * 2


def test_a_cancelled_session_writes_to_no_address_that_was_never_confirmed():
    session = SessionFactory()
    confirmed = enrol(session, email="lea@ccas.example.org").enrolment
    unconfirmed = submit(session, email="victime@ccas.example.org").enrolment

    session_cancel(session_id=session.pk, by=Actor.staff(None))

    for enrolment in (confirmed, unconfirmed):
        enrolment.refresh_from_db()
        assert enrolment.status == Status.CANCELLED
    cancellations = OutboxMail.objects.filter(kind=MailKind.SESSION_CANCELLED)
    assert [mail.recipient for mail in cancellations] == ["lea@ccas.example.org"]


def _personal_page_of(location):
    """The enrolment id of a redirect to an enrolment's "done" page."""
    match = resolve(location)
    assert match.url_name == "done"
    return enrolment_id_from_token(match.kwargs["token"])


def test_a_request_never_confirmed_leaves_nothing_of_what_was_typed(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    session = SessionFactory(capacity=2, min_participants=0)
    enrolment = submit(
        session, email="invente@example.org", first_name="Invente", last_name="Intrus"
    ).enrolment
    Enrolment.objects.filter(pk=enrolment.pk).update(disability_needs="Fauteuil.")

    time_machine.shift(datetime.timedelta(minutes=31))
    expire_unconfirmed_holds.delay().get()

    enrolment.refresh_from_db()
    trainee = enrolment.trainee
    assert enrolment.status == Status.CANCELLED
    assert (enrolment.disability_needs, enrolment.employer_contact_name) == ("", "")
    assert (trainee.first_name, trainee.phone, trainee.anonymised_at is not None) == (
        "Anonyme",
        "",
        True,
    )
    assert "invente" not in trainee.email


def test_a_known_trainee_keeps_their_identity_when_a_stranger_s_request_lapses(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    lea = enrol(SessionFactory(), email="lea@ccas.example.org", first_name="Léa").enrolment.trainee
    stranger = submit(SessionFactory(), email="lea@ccas.example.org", first_name="Intrus")

    time_machine.shift(datetime.timedelta(minutes=31))
    expire_unconfirmed_holds.delay().get()

    lea.refresh_from_db()
    assert (lea.first_name, lea.email) == ("Léa", "lea@ccas.example.org")
    stranger.enrolment.refresh_from_db()
    assert stranger.enrolment.status == Status.CANCELLED
    assert stranger.enrolment.employer_contact_name == ""


def test_a_late_click_is_told_at_once_that_the_hold_lapsed(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    session = SessionFactory()
    enrolment = submit(session, email="lea@ccas.example.org").enrolment
    url = reverse("enrolment:confirm", args=[confirmation_token(enrolment)])
    time_machine.shift(datetime.timedelta(minutes=31))

    before_the_job = client.get(url)
    expire_unconfirmed_holds.delay().get()
    after_the_job = client.get(url)

    for response in (before_the_job, after_the_job):
        assert response.status_code == 410
        html = response.content.decode()
        assert "Je confirme mon inscription" not in html
        assert "Le délai pour confirmer cette inscription est dépassé" in html

import datetime
import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from enrolment import services
from enrolment.links import enrolment_token
from enrolment.mails import MailKind
from enrolment.models import Enrolment
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory, SessionFactory

TRAINEE = Actor.trainee()

pytestmark = pytest.mark.django_db


def _url(name, enrolment):
    return reverse(f"enrolment:{name}", args=[enrolment_token(enrolment)])


def _text(response):
    return html_lib.unescape(response.content.decode())


def _offered(session):
    confirmed = EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    services.enrolment_cancel(enrolment_id=confirmed.pk, by=TRAINEE)
    waiting.refresh_from_db()
    return waiting


def test_personal_page_shows_the_enrolment_and_its_actions(client):
    enrolment = EnrolmentFactory()
    # One token: a token is timestamped, so two made a second apart differ.
    token = enrolment_token(enrolment)

    response = client.get(reverse("enrolment:detail", args=[token]))

    assert response.status_code == 200
    html = _text(response)
    assert "Statut\u00a0: Confirmée" in html
    assert enrolment.trainee.email in html
    assert str(enrolment.session.module) in html
    assert reverse("enrolment:calendar", args=[token]) in html
    assert reverse("enrolment:cancel", args=[token]) in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html


def test_personal_page_of_a_waitlisted_enrolment_gives_the_position(client):
    session = SessionFactory(capacity=1, min_participants=0)
    EnrolmentFactory(session=session)
    EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    second = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )

    html = _text(client.get(_url("detail", second)))

    assert "en position 2" in html
    assert "Accepter la place" not in html


def test_cancelling_asks_for_confirmation_first(client):
    enrolment = EnrolmentFactory()

    response = client.get(_url("cancel", enrolment))

    assert response.status_code == 200
    assert "Voulez-vous vraiment annuler" in _text(response)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED


def test_confirmed_cancellation_cancels_and_says_so(client):
    enrolment = EnrolmentFactory()
    token = enrolment_token(enrolment)

    response = client.post(reverse("enrolment:cancel", args=[token]), follow=True)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED
    assert response.redirect_chain == [(reverse("enrolment:detail", args=[token]), 302)]
    html = _text(response)
    assert "Votre inscription est annulée" in html
    assert "Annuler mon inscription" not in html
    assert enrolment.mails.filter(kind=MailKind.CANCELLED).exists()


def test_cancelling_after_the_start_is_refused_with_a_message(client, time_machine):
    enrolment = EnrolmentFactory()
    start = datetime.datetime.combine(enrolment.session.first_day, datetime.time(10))
    time_machine.move_to(timezone.make_aware(start))

    assert "ne peut plus être annulée" in _text(client.get(_url("cancel", enrolment)))
    response = client.post(_url("cancel", enrolment), follow=True)

    assert "ne peut plus être annulée" in _text(response)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED


def test_accepting_an_offer_from_the_personal_page(client):
    waiting = _offered(SessionFactory(capacity=1, min_participants=0))
    page = _text(client.get(_url("detail", waiting)))
    assert "Accepter la place" in page
    assert "vous est proposée jusqu'au" in page

    response = client.post(_url("accept_offer", waiting), follow=True)

    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.CONFIRMED
    assert "votre inscription est confirmée" in _text(response)


def test_accepting_a_lapsed_offer_says_it_is_no_longer_valid(client, time_machine):
    waiting = _offered(SessionFactory(capacity=1, min_participants=0))
    time_machine.move_to(waiting.offer_expires_at + datetime.timedelta(minutes=1))

    response = client.post(_url("accept_offer", waiting), follow=True)

    assert "n'est plus valable" in _text(response)
    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.WAITLISTED


def test_accept_offer_only_answers_post(client):
    waiting = _offered(SessionFactory(capacity=1, min_participants=0))

    assert client.get(_url("accept_offer", waiting)).status_code == 405


def test_calendar_download_is_the_session_ics(client):
    enrolment = EnrolmentFactory()

    response = client.get(_url("calendar", enrolment))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "formation.ics" in response["Content-Disposition"]
    assert response.content.startswith(b"BEGIN:VCALENDAR")


def test_tampered_link_gets_a_clear_page_with_a_fresh_link_form(client):
    token = enrolment_token(EnrolmentFactory())

    for name in ("detail", "cancel", "calendar"):
        response = client.get(reverse(f"enrolment:{name}", args=[token[:-2] + "xx"]))
        assert response.status_code == 404
        html = _text(response)
        assert "Ce lien n'est pas valable" in html
        assert reverse("enrolment:link_request") in html
        assert 'name="email"' in html


def test_tampered_link_cannot_cancel(client):
    enrolment = EnrolmentFactory()
    token = enrolment_token(enrolment)

    client.post(reverse("enrolment:cancel", args=[token[:-2] + "xx"]))

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED


def test_expired_link_gets_a_clear_page(client, settings, time_machine):
    settings.ENROLMENT_LINK_MAX_AGE_DAYS = 10
    time_machine.move_to(timezone.now(), tick=False)
    enrolment = EnrolmentFactory()
    url = _url("detail", enrolment)

    time_machine.shift(datetime.timedelta(days=11))
    response = client.get(url)

    assert response.status_code == 410
    assert "Ce lien a expiré" in _text(response)


def test_link_of_a_deleted_enrolment_is_not_valid(client):
    enrolment = EnrolmentFactory()
    url = _url("detail", enrolment)
    enrolment.delete()

    assert client.get(url).status_code == 404


def test_link_request_mails_the_links_of_active_enrolments(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    active = EnrolmentFactory(trainee__email="lea@ccas.example.org")
    EnrolmentFactory(trainee=active.trainee, status=Enrolment.Status.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enrolment:link_request"), {"email": "LEA@ccas.example.org"}, follow=True
        )

    assert "vous allez recevoir son lien personnel" in _text(response)
    [message] = mailoutbox
    assert message.to == ["lea@ccas.example.org"]
    assert message.subject.startswith("Votre lien personnel – ")
    assert _url("detail", active).split("/inscription/")[0] in message.body


def test_link_request_for_an_unknown_address_gives_the_same_answer(client, mailoutbox):
    EnrolmentFactory(trainee__email="lea@ccas.example.org")

    known = client.post(
        reverse("enrolment:link_request"), {"email": "lea@ccas.example.org"}, follow=True
    )
    unknown = client.post(
        reverse("enrolment:link_request"), {"email": "personne@example.org"}, follow=True
    )

    def without_csrf(response):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", _text(response))

    assert without_csrf(known) == without_csrf(unknown)
    assert OutboxMail.objects.count() == 1


def test_link_request_with_the_honeypot_filled_sends_nothing(client):
    EnrolmentFactory(trainee__email="lea@ccas.example.org")

    response = client.post(
        reverse("enrolment:link_request"),
        {"email": "lea@ccas.example.org", "site_internet": "x"},
        follow=True,
    )

    assert "vous allez recevoir son lien personnel" in _text(response)
    assert not OutboxMail.objects.exists()


def test_link_requests_are_rate_limited(client, settings):
    settings.ENROLMENT_RATE_LIMIT_LINK = 2
    url = reverse("enrolment:link_request")

    statuses = [client.post(url, {"email": f"p{n}@example.org"}).status_code for n in range(3)]

    assert statuses == [302, 302, 429]
    assert "Trop de demandes" in _text(client.post(url, {"email": "x@example.org"}))


def test_invalid_address_is_reported_next_to_the_field(client):
    response = client.post(reverse("enrolment:link_request"), {"email": "pas-une-adresse"})

    assert response.status_code == 200
    html = _text(response)
    assert 'href="#id_email"' in html
    assert 'aria-invalid="true"' in html

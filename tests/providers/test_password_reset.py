"""Password reset by mail, for providers' members and OPCO staff: the request page answers the
same whether the address has an account or not; the mail (through the outbox) carries a
single-use link made when it leaves; a new password lifts the account's lock-out."""

import datetime
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils import timezone

from accounts.tokens import user_uidb64
from outbox.models import OutboxMail
from providers.accounts import PASSWORD_RESET_MAIL_MINUTES
from providers.mails import ProviderMailKind
from tests.factories import UserFactory

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

REQUEST = "/mot-de-passe-oublie/"
NEW_PASSWORD = "Aller-vers-les-invisibles-7"


def ask(client, email, capture, ip="203.0.113.20"):
    with capture(execute=True):
        return client.post(REQUEST, {"email": email}, REMOTE_ADDR=ip)


def link_in(message) -> str:
    [url] = re.findall(r"http://\S+/mot-de-passe/\S+/", message.body)
    return url.removeprefix("http://127.0.0.1:8000")


def set_password(client, link, password=NEW_PASSWORD):
    response = client.get(link)
    if response.status_code != 302:
        return response
    form_url = response["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_request_page_is_french_with_a_labelled_field(client):
    response = client.get(REQUEST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Mot de passe oublié</h1>" in html
    assert re.search(r'<label\s+for="id_email"', html)
    assert "no-store" in response["Cache-Control"]


def test_the_login_pages_link_to_the_reset(client):
    assert f'href="{REQUEST}"' in client.get("/connexion/").content.decode()
    # Django's admin shows "Mot de passe oublié ?" once admin_password_reset exists.
    admin_login = client.get("/admin/login/").content.decode()
    assert 'href="/admin/mot-de-passe-oublie/"' in admin_login


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    known_browser, unknown_browser = Client(), Client()
    known = ask(known_browser, alice.email, django_capture_on_commit_callbacks)
    unknown = ask(unknown_browser, "personne@example.org", django_capture_on_commit_callbacks)

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/mot-de-passe-oublie/envoye/"
    known_page = known_browser.get(known["Location"])
    unknown_page = unknown_browser.get(unknown["Location"])
    assert known_page.status_code == unknown_page.status_code == 200
    assert known_page.content == unknown_page.content
    # A mail for the real address only.
    assert [message.to for message in mailoutbox] == [[alice.email]]
    assert OutboxMail.objects.get().kind == ProviderMailKind.PASSWORD_RESET


def test_the_link_sets_a_new_password_once(alice, mailoutbox, django_capture_on_commit_callbacks):
    ask(Client(), alice.email.upper(), django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    browser = Client()

    response = set_password(browser, link)

    assert response.status_code == 302
    assert response["Location"] == "/mot-de-passe/enregistre/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert "Mot de passe enregistré" in browser.get(response["Location"]).content.decode()
    # The login works with the new password, not the old one.
    assert (
        browser.post("/connexion/", {"username": alice.email, "password": NEW_PASSWORD}).status_code
        == 302
    )
    # Used: the same link is refused, with a way to get another.
    again = Client().get(link)
    assert again.status_code == 400
    assert f'href="{REQUEST}"' in again.content.decode()


def test_staff_reset_their_password_too(mailoutbox, django_capture_on_commit_callbacks):
    staff = UserFactory(email="gestion@opco.example.org", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/admin/mot-de-passe-oublie/", {"email": staff.email})

    assert response.status_code == 302
    assert set_password(Client(), link_in(mailoutbox[0])).status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)


def test_an_inactive_account_gets_no_mail(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(is_active=False)

    assert ask(Client(), user.email, django_capture_on_commit_callbacks).status_code == 302
    assert mailoutbox == []


def test_an_invited_member_whose_link_expired_gets_a_fresh_one(
    provider, mailoutbox, django_capture_on_commit_callbacks
):
    member = UserFactory(email="nadia@croix-rouge.example.org")
    member.set_unusable_password()
    member.save()
    provider.members.add(member)

    ask(Client(), member.email, django_capture_on_commit_callbacks)

    assert set_password(Client(), link_in(mailoutbox[0])).status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_a_bad_address_is_a_form_error_next_to_the_field(client):
    response = client.post(REQUEST, {"email": "pas-une-adresse"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="erreurs"' in html
    assert 'href="#id_email"' in html
    assert not OutboxMail.objects.exists()


def test_the_request_page_is_rate_limited_per_ip(client, alice, charlie, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = 2
    third = UserFactory(email="dora@opco.example.org")

    statuses = [
        client.post(REQUEST, {"email": user.email}, REMOTE_ADDR="198.51.100.4").status_code
        for user in [alice, charlie, third]
    ]

    assert statuses == [302, 302, 429]
    assert OutboxMail.objects.count() == 2
    other_ip = client.post(REQUEST, {"email": alice.email}, REMOTE_ADDR="198.51.100.5")
    assert other_ip.status_code == 302


def test_a_new_password_lifts_the_account_lock_out(
    client, alice, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.AXES_FAILURE_LIMIT = 2
    for number in range(2):
        client.post(
            "/connexion/",
            {"username": alice.email, "password": "pas-le-bon"},
            REMOTE_ADDR=f"192.0.2.{number}",
        )
    locked = client.post(
        "/connexion/", {"username": alice.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert locked.status_code == 429
    assert 'href="/mot-de-passe-oublie/"' in locked.content.decode()

    ask(Client(), alice.email, django_capture_on_commit_callbacks)
    set_password(Client(), link_in(mailoutbox[0]))

    assert not AccessAttempt.objects.filter(username=alice.email).exists()
    response = client.post(
        "/connexion/", {"username": alice.email, "password": NEW_PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_a_link_for_a_deactivated_account_is_not_sent(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        Client().post(REQUEST, {"email": alice.email})
    alice.is_active = False
    alice.save()
    from outbox.services import outbox_send

    outbox_send(mail_id=OutboxMail.objects.get().pk)

    assert mailoutbox == []


def test_an_account_gets_one_mail_per_slot_whatever_the_ips(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    start = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0, 30))
    with time_machine.travel(start, tick=False):
        answers = [
            ask(Client(), alice.email, django_capture_on_commit_callbacks, ip=f"198.51.100.{n}")
            for n in range(5)
        ]
        unknown = ask(Client(), "personne@example.org", django_capture_on_commit_callbacks)
        # The same answer every time, and for an unknown address: the cap says nothing.
        assert {answer["Location"] for answer in [*answers, unknown]} == {
            "/mot-de-passe-oublie/envoye/"
        }
        assert len(mailoutbox) == 1
        # The link of the one mail works.
        assert set_password(Client(), link_in(mailoutbox[0])).status_code == 302

    with time_machine.travel(start + datetime.timedelta(minutes=PASSWORD_RESET_MAIL_MINUTES)):
        ask(Client(), alice.email, django_capture_on_commit_callbacks, ip="198.51.100.99")

    assert len(mailoutbox) == 2
    assert OutboxMail.objects.filter(kind=ProviderMailKind.PASSWORD_RESET).count() == 2


def test_the_cap_is_per_account(alice, charlie, mailoutbox, django_capture_on_commit_callbacks):
    ask(Client(), alice.email, django_capture_on_commit_callbacks)
    ask(Client(), charlie.email, django_capture_on_commit_callbacks)

    assert sorted(message.to[0] for message in mailoutbox) == [alice.email, charlie.email]


def reset_link(user) -> str:
    return f"/mot-de-passe/{user_uidb64(user)}/{default_token_generator.make_token(user)}/"


def test_a_deactivated_accounts_reset_link_is_refused(alice):
    link = reset_link(alice)
    alice.is_active = False
    alice.save()
    browser = Client()

    response = set_password(browser, link)

    assert response.status_code == 400
    assert f'href="{REQUEST}"' in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_an_account_deactivated_after_opening_the_link_cannot_post_it(alice):
    browser = Client()
    form_url = browser.get(reset_link(alice))["Location"]
    alice.is_active = False
    alice.save()

    response = browser.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)

"""OPCO staff invite a member from the provider's admin page: the account is made (without a
password), attached to the provider, and a mail through the outbox carries a single-use link,
valid 7 days, to choose a password."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from accounts.models import User
from catalogue.models import OpcoStaff
from outbox.models import OutboxMail
from providers.accounts import Invitation, member_invite
from providers.mails import ProviderMailKind
from tests.factories import UserFactory, opco_staff_user

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Maraudes-du-mardi-2026"
INVITED = "nadia@croix-rouge.example.org"


@pytest.fixture
def staff_client(db):
    staff = opco_staff_user()
    browser = Client()
    browser.force_login(staff)
    return browser


def invite_url(provider):
    return f"/admin/catalogue/provider/{provider.pk}/inviter/"


def invite(staff_client, provider, capture, email=INVITED, **fields):
    with capture(execute=True):
        return staff_client.post(
            invite_url(provider),
            {"email": email, "first_name": "Nadia", "last_name": "Benali", **fields},
        )


def link_in(message) -> str:
    [url] = re.findall(r"http://\S+/espace-organisme/invitation/\S+/", message.body)
    return url.removeprefix("http://127.0.0.1:8000")


def choose_password(client, link, password=NEW_PASSWORD):
    """Open the link (Django's view moves the token into the session and redirects), then
    post the form. Returns the final response."""
    response = client.get(link)
    if response.status_code != 302:
        return response
    form_url = response["Location"]
    client.get(form_url)
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_provider_page_shows_the_invite_button(staff_client, provider):
    response = staff_client.get(f"/admin/catalogue/provider/{provider.pk}/change/")

    assert response.status_code == 200
    assert f'href="{invite_url(provider)}"' in response.content.decode()
    assert "Inviter un membre" in response.content.decode()


def test_invitation_form_is_french_and_labelled(staff_client, provider):
    response = staff_client.get(invite_url(provider))

    assert response.status_code == 200
    html = response.content.decode()
    for field, label in [("email", "Adresse e-mail"), ("first_name", "Prénom")]:
        assert f'<label for="id_{field}"' in html
        assert label in html


def test_invitation_creates_the_member_and_mails_a_working_link(
    staff_client, client, provider, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(staff_client, provider, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/catalogue/provider/{provider.pk}/change/"
    user = User.objects.get(email=INVITED)
    assert not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Nadia", "Benali")
    assert list(provider.members.all()) == [user]
    mail = OutboxMail.objects.get(kind=ProviderMailKind.INVITATION)
    assert mail.status == OutboxMail.Status.SENT
    assert mail.recipient == INVITED
    [message] = mailoutbox
    assert message.to == [INVITED]
    assert "Croix-Rouge française" in message.subject
    assert "valable 7 jours" in message.body
    assert "Bonjour Nadia Benali," in message.body

    response = choose_password(client, link_in(message))

    assert response.status_code == 302
    assert response["Location"] == "/espace-organisme/"
    assert client.session[SESSION_KEY] == str(user.pk)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/espace-organisme/").status_code == 200


def test_no_token_is_stored_the_link_is_made_when_the_mail_leaves(
    staff_client, provider, mailoutbox, django_capture_on_commit_callbacks
):
    invite(staff_client, provider, django_capture_on_commit_callbacks)

    mail = OutboxMail.objects.get(kind=ProviderMailKind.INVITATION)
    token = link_in(mailoutbox[0]).rstrip("/").rsplit("/", 1)[-1]
    assert token not in mail.note
    assert mail.about == provider


def test_the_link_works_once(
    staff_client, provider, mailoutbox, django_capture_on_commit_callbacks
):
    invite(staff_client, provider, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    first = Client()
    assert choose_password(first, link).status_code == 302

    second = Client()
    response = second.get(link)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Ce lien n'est plus valable" in html
    assert 'href="/mot-de-passe-oublie/"' in html
    assert SESSION_KEY not in second.session
    user = User.objects.get(email=INVITED)
    assert user.check_password(NEW_PASSWORD)


def test_the_link_expires_after_7_days(
    staff_client, provider, mailoutbox, django_capture_on_commit_callbacks
):
    sent = timezone.now()
    with time_machine.travel(sent, tick=False):
        invite(staff_client, provider, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])

    with time_machine.travel(sent + datetime.timedelta(days=6, hours=23), tick=False):
        assert Client().get(link).status_code == 302
    with time_machine.travel(sent + datetime.timedelta(days=7, minutes=1), tick=False):
        late = Client()
        response = choose_password(late, link)

    assert response.status_code == 400
    assert not User.objects.get(email=INVITED).has_usable_password()


def test_a_tampered_link_is_refused(
    staff_client, provider, mailoutbox, django_capture_on_commit_callbacks
):
    invite(staff_client, provider, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]

    assert Client().get(tampered).status_code == 400
    assert Client().get("/espace-organisme/invitation/Mg/1-abc/").status_code == 400
    assert Client().get("/espace-organisme/invitation/!!/x/").status_code == 400


def test_a_password_reset_token_does_not_open_the_invitation(provider, alice):
    from django.contrib.auth.tokens import default_token_generator

    from accounts.tokens import user_uidb64

    token = default_token_generator.make_token(alice)
    response = Client().get(f"/espace-organisme/invitation/{user_uidb64(alice)}/{token}/")

    assert response.status_code == 400


def test_the_password_form_shows_french_errors_next_to_the_fields(
    staff_client, provider, mailoutbox, django_capture_on_commit_callbacks
):
    invite(staff_client, provider, django_capture_on_commit_callbacks)
    client = Client()

    response = choose_password(client, link_in(mailoutbox[0]), password="123")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="erreurs"' in html
    assert "Ce mot de passe est trop court" in html
    assert not User.objects.get(email=INVITED).has_usable_password()


def test_an_account_with_a_password_gets_an_access_mail_instead(
    staff_client, provider, other_provider, bob, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(staff_client, provider, django_capture_on_commit_callbacks, email=bob.email)

    assert response.status_code == 302
    assert set(bob.providers.all()) == {provider, other_provider}
    assert bob.check_password(PASSWORD)
    [message] = mailoutbox
    assert OutboxMail.objects.get().kind == ProviderMailKind.ACCESS_GRANTED
    assert "/connexion/" in message.body
    assert "/espace-organisme/invitation/" not in message.body


def test_inviting_a_member_again_sends_nothing(provider, alice):
    assert member_invite(provider_id=provider.pk, email=alice.email) == Invitation.ALREADY_MEMBER
    assert not OutboxMail.objects.exists()


def test_the_address_is_matched_without_regard_to_case(provider, other_provider, bob):
    outcome = member_invite(provider_id=provider.pk, email=bob.email.upper())

    assert outcome == Invitation.ACCESS_GRANTED
    assert User.objects.count() == 1


def test_inviting_to_one_provider_leaves_the_other_unaffected(
    staff_client, provider, other_provider, bob, other_session, django_capture_on_commit_callbacks
):
    invite(staff_client, provider, django_capture_on_commit_callbacks)

    assert list(other_provider.members.all()) == [bob]
    user = User.objects.get(email=INVITED)
    client = Client()
    client.force_login(user)
    assert client.get(f"/espace-organisme/sessions/{other_session.pk}/").status_code == 404


def test_a_deactivated_account_is_an_error_on_the_form(staff_client, provider):
    UserFactory(email=INVITED, is_active=False)

    response = staff_client.post(invite_url(provider), {"email": INVITED})

    assert response.status_code == 200
    assert "Ce compte est désactivé" in response.content.decode()
    assert not provider.members.exists()
    assert not OutboxMail.objects.exists()


def test_a_bad_address_is_a_form_error(staff_client, provider):
    response = staff_client.post(invite_url(provider), {"email": "pas-une-adresse"})

    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert not User.objects.filter(email="pas-une-adresse").exists()


def test_staff_without_the_change_permission_cannot_invite(provider):
    viewer = UserFactory(is_staff=True)
    OpcoStaff.objects.create(user=viewer, opco=provider.opco)
    browser = Client()
    browser.force_login(viewer)

    assert browser.get(invite_url(provider)).status_code == 403
    assert browser.post(invite_url(provider), {"email": INVITED}).status_code == 403
    assert not User.objects.filter(email=INVITED).exists()


def test_a_member_of_the_provider_cannot_invite(alice_client, provider):
    response = alice_client.post(invite_url(provider), {"email": INVITED})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not User.objects.filter(email=INVITED).exists()


def test_a_missing_provider_answers_404(staff_client):
    # As another OPCO's provider does (backoffice.scoping).
    response = staff_client.get("/admin/catalogue/provider/999999/inviter/")

    assert response.status_code == 404


def test_a_removed_member_gets_no_invitation(
    staff_client, provider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        staff_client.post(invite_url(provider), {"email": INVITED})
    provider.members.clear()
    from outbox.services import outbox_send

    outbox_send(mail_id=OutboxMail.objects.get().pk)

    assert mailoutbox == []
    assert OutboxMail.objects.get().status == OutboxMail.Status.SKIPPED

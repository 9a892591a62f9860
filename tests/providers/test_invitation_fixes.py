"""The invitation as reviewers found it: its link opens nothing for an account deactivated or
no longer a member; its mail says what the space does today, without "de" before the
provider's name (no elision to get wrong: "de Horizons"); the admin's message keeps the
address as typed."""

import re
from html import unescape

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import User
from accounts.tokens import invitation_token_generator, user_uidb64
from providers.accounts import member_invite
from tests.factories import ProviderFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Maraudes-du-mardi-2026"
INVITED = "nadia@horizons.example.org"
NBSP = "\u00a0"


def invitation_link(user) -> str:
    token = invitation_token_generator.make_token(user)
    return f"/espace-organisme/invitation/{user_uidb64(user)}/{token}/"


def invited(provider) -> User:
    member_invite(provider_id=provider.pk, email=INVITED, first_name="Nadia")
    return User.objects.get(email=INVITED)


def choose_password(client, link):
    response = client.get(link)
    if response.status_code != 302:
        return response
    return client.post(
        response["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


def test_a_deactivated_accounts_invitation_is_refused_and_logs_nobody_in(provider):
    user = invited(provider)
    link = invitation_link(user)
    user.is_active = False
    user.save()
    browser = Client()

    response = choose_password(browser, link)

    assert response.status_code == 400
    assert SESSION_KEY not in browser.session
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_an_account_deactivated_after_opening_the_invitation_cannot_post_it(provider):
    user = invited(provider)
    browser = Client()
    form_url = browser.get(invitation_link(user))["Location"]
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = browser.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 400
    assert SESSION_KEY not in browser.session
    assert not User.objects.get(pk=user.pk).has_usable_password()


def test_an_invitation_opens_nothing_once_removed_from_every_provider(provider):
    user = invited(provider)
    link = invitation_link(user)
    provider.members.remove(user)
    browser = Client()

    response = choose_password(browser, link)

    assert response.status_code == 400
    assert SESSION_KEY not in browser.session
    assert 'href="/mot-de-passe-oublie/"' in response.content.decode()


def test_a_member_of_another_provider_still_uses_the_link(provider, other_provider):
    user = invited(provider)
    other_provider.members.add(user)
    provider.members.remove(user)
    browser = Client()

    response = choose_password(browser, invitation_link(user))

    assert response.status_code == 302
    assert browser.session[SESSION_KEY] == str(user.pk)


def test_a_staff_account_without_provider_may_open_its_link():
    staff = UserFactory(is_staff=True)
    staff.set_unusable_password()
    staff.save()

    assert Client().get(invitation_link(staff)).status_code == 302


def sent_invitation(provider, mailoutbox, capture):
    with capture(execute=True):
        member_invite(provider_id=provider.pk, email=INVITED, first_name="Nadia")
    [message] = mailoutbox
    [(html, _mime)] = message.alternatives
    return message.body, html


@pytest.fixture
def horizons(db):
    return ProviderFactory(name="Horizons", slug="horizons")


def test_the_invitation_mail_says_what_the_space_does_now(
    horizons, mailoutbox, django_capture_on_commit_callbacks
):
    text, html = sent_invitation(horizons, mailoutbox, django_capture_on_commit_callbacks)

    for body in (text, html):
        flat = " ".join(body.split())
        assert "prérequis" not in flat
        for does in (
            "proposer à l'OPCO vos sessions et leurs dates",
            "formulaire",
            "tableur",
            "valider ou refuser les inscriptions",
            "liste des participants",
            "présences",
            "feuille d'émargement",
            "certificats de réalisation",
        ):
            assert does in flat, does


def test_the_invitation_mail_puts_no_de_before_the_providers_name(
    horizons, mailoutbox, django_capture_on_commit_callbacks
):
    text, html = sent_invitation(horizons, mailoutbox, django_capture_on_commit_callbacks)

    for body in (text, html):
        flat = " ".join(body.split())
        assert "de Horizons" not in flat
        assert "l'organisme Horizons" in flat


def test_the_access_mail_puts_no_de_before_the_providers_name(
    horizons, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email=INVITED)
    text, html = sent_invitation(horizons, mailoutbox, django_capture_on_commit_callbacks)

    for body in (text, html):
        flat = " ".join(body.split())
        assert "de Horizons" not in flat
        assert "l'organisme Horizons" in flat


@pytest.mark.parametrize("has_password", [False, True], ids=["invitation", "access"])
def test_the_mails_space_their_punctuation_the_french_way(
    horizons, mailoutbox, django_capture_on_commit_callbacks, has_password
):
    if has_password:
        UserFactory(email=INVITED)
    text, html = sent_invitation(horizons, mailoutbox, django_capture_on_commit_callbacks)

    # The mail's own words: from the greeting to the footer (the frame is every mail's).
    own_text = text[text.index("Bonjour") : text.index("\n--\n")]
    own_html = html[html.index("Bonjour") : html.index("<hr")]
    for body in (own_text, unescape(re.sub(r"<[^>]+>", "", own_html))):
        # Addresses aside (http://…), a colon, a semicolon, "?" and "!" follow a non-breaking
        # space, and so does the inside of French quotes.
        prose = re.sub(r"https?://\S+", "", body)
        assert not re.findall(r"\S[;!?]|\w:| [:;!?»]|« ", prose)
        assert f"{NBSP}:" in prose


@pytest.fixture
def superuser_client(db):
    browser = Client()
    browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    return browser


@pytest.mark.parametrize("has_password", [False, True], ids=["invited", "access_granted"])
def test_the_admins_message_keeps_the_address_as_typed(
    superuser_client, provider, django_capture_on_commit_callbacks, has_password
):
    if has_password:
        UserFactory(email=INVITED)
    url = f"/admin/catalogue/provider/{provider.pk}/inviter/"
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(url, {"email": INVITED}, follow=True)

    html = response.content.decode()
    assert INVITED in html
    assert INVITED.capitalize() not in html


def test_the_admins_message_for_a_member_already_there_keeps_the_address(
    superuser_client, provider, alice
):
    url = f"/admin/catalogue/provider/{provider.pk}/inviter/"

    html = superuser_client.post(url, {"email": alice.email}, follow=True).content.decode()

    assert "déjà membre" in html
    assert alice.email.capitalize() not in html

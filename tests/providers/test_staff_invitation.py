"""Superusers invite OPCO staff from the admin by mail: a single-use link to choose a password,
which then lands them in the admin, in their OPCO's programme."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import User
from backoffice.scoping import staff_opco
from catalogue.models import Opco
from outbox.models import OutboxMail
from providers.mails import ProviderMailKind
from tests.factories import OpcoFactory, UserFactory, opco_staff_user

from .test_invitation import NEW_PASSWORD, choose_password, link_in

pytestmark = pytest.mark.django_db

URL = "/admin/catalogue/opcostaff/inviter/"
INVITED = "agathe@opco-sante.example.org"


@pytest.fixture
def superuser_client():
    browser = Client()
    browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    return browser


def invite(browser, capture, email=INVITED, opco=None):
    opco = opco or OpcoFactory()
    with capture(execute=True):
        return browser.post(URL, {"email": email, "opco": opco.pk, "first_name": "Agathe"})


def test_superuser_invites_a_manager_who_chooses_a_password_and_lands_in_the_admin(
    superuser_client, mailoutbox, django_capture_on_commit_callbacks
):
    uniformation = Opco.objects.create(name="Uniformation", slug="uniformation")
    page = superuser_client.get("/admin/catalogue/opcostaff/")
    assert URL in page.content.decode()

    response = invite(superuser_client, django_capture_on_commit_callbacks, opco=uniformation)

    assert response.status_code == 302
    user = User.objects.get(email=INVITED)
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert staff_opco(user) == uniformation
    [message] = mailoutbox
    assert "Uniformation" in message.body
    link = link_in(message)
    browser = Client()
    response = choose_password(browser, link)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert int(browser.session[SESSION_KEY]) == user.pk
    assert browser.get("/admin/catalogue/session/").status_code == 200
    # Single use.
    assert Client().get(link).status_code == 400
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_an_account_with_a_password_gets_access_without_a_mail(
    superuser_client, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(email=INVITED)

    response = invite(superuser_client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff and staff_opco(user) == OpcoFactory()
    assert mailoutbox == []
    assert not OutboxMail.objects.filter(kind=ProviderMailKind.STAFF_INVITATION).exists()


def test_opco_staff_cannot_invite(client, mailoutbox):
    client.force_login(opco_staff_user())

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"email": INVITED, "opco": OpcoFactory().pk}).status_code == 403
    assert not User.objects.filter(email=INVITED).exists()


@pytest.mark.parametrize(
    "data", [{"email": "pas-une-adresse", "opco": "1"}, {"email": INVITED, "opco": "999999"}]
)
def test_bad_input_is_a_form_error(superuser_client, data):
    OpcoFactory()

    response = superuser_client.post(URL, data)

    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert not User.objects.filter(email=INVITED).exists()


def test_a_deactivated_account_is_refused(superuser_client, django_capture_on_commit_callbacks):
    UserFactory(email=INVITED, is_active=False)

    response = invite(superuser_client, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "désactivé" in response.content.decode()
    assert not User.objects.get(email=INVITED).is_staff

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.catalogue_pages.html import structure

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/connexion/"
HOME = "/espace-organisme/"


def test_urls_are_the_french_ones():
    assert reverse("providers:login") == LOGIN
    assert reverse("providers:logout") == "/deconnexion/"
    assert reverse("providers:home") == HOME


def test_member_logs_in_with_e_mail_and_password_and_lands_in_the_space(client, alice):
    response = client.post(
        LOGIN, {"username": "alice@croix-rouge.example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.session[SESSION_KEY] == str(alice.pk)
    assert client.get(HOME).status_code == 200


def test_the_e_mail_is_matched_without_regard_to_case(client, alice):
    response = client.post(
        LOGIN, {"username": "Alice@Croix-Rouge.example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_login_goes_back_to_the_page_asked_for(client, alice, session):
    target = reverse("providers:session", args=[session.pk])

    response = client.post(LOGIN, {"username": alice.email, "password": PASSWORD, "next": target})

    assert response["Location"] == target


def test_login_ignores_a_next_page_on_another_site(client, alice):
    response = client.post(
        LOGIN, {"username": alice.email, "password": PASSWORD, "next": "https://evil.example/"}
    )

    assert response["Location"] == HOME


def test_wrong_password_shows_a_french_error_summary(client, alice):
    response = client.post(LOGIN, {"username": alice.email, "password": "pas-le-bon"})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    html = response.content.decode()
    assert 'id="erreurs"' in html
    assert "Adresse e-mail ou mot de passe incorrect." in html
    assert "<title>Erreur – " in html


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={HOME}"


def test_login_page_has_one_h1_labelled_fields_and_an_e_mail_input(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    page = structure(response)
    assert page.headings["h1"] == ["Connexion à l'espace organisme"]
    assert page.unlabelled_controls() == []
    [email] = page.find_all("input", name="username")
    assert email["type"] == "email"
    assert email["autocomplete"] == "username"
    [password] = page.find_all("input", name="password")
    assert password["type"] == "password"
    assert page.find_all("meta", name="robots", content="noindex")


def test_a_logged_in_member_who_opens_the_login_page_goes_to_the_space(alice_client):
    response = alice_client.get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == HOME


def test_logout_is_a_post_that_ends_the_session(alice_client):
    assert alice_client.get("/deconnexion/").status_code == 405

    response = alice_client.post("/deconnexion/", follow=True)

    assert response.redirect_chain[0] == (LOGIN, 302)
    assert SESSION_KEY not in alice_client.session
    assert "Vous êtes déconnecté(e)." in response.content.decode()
    assert alice_client.get(HOME).status_code == 302


def test_footer_links_to_the_space_and_offers_logout_only_when_logged_in(client, alice):
    anonymous = structure(client.get(reverse("catalogue:home")))
    assert anonymous.find_all("a", href=HOME)
    assert not anonymous.find_all("form", action="/deconnexion/")

    client.force_login(alice)
    logged_in = structure(client.get(reverse("catalogue:home")))
    assert logged_in.find_all("a", href=HOME)
    [form] = logged_in.find_all("form", action="/deconnexion/")
    assert form["method"] == "post"


def test_the_admin_keeps_its_own_login_page(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_too_many_password_attempts_from_one_address_get_a_429(client, alice, settings):
    settings.LOGIN_RATE_LIMIT = 3
    for _attempt in range(3):
        assert client.post(LOGIN, {"username": alice.email, "password": "x"}).status_code == 200

    response = client.post(LOGIN, {"username": alice.email, "password": PASSWORD})

    assert response.status_code == 429
    assert SESSION_KEY not in client.session

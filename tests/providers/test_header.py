"""The header says who is logged in, links to their space and logs out (a POST form)."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def header(response):
    html = response.content.decode()
    return html[html.index('<header class="site-header"') : html.index("</header>")]


def test_a_visitor_sees_no_account_menu(client):
    assert "Se déconnecter" not in header(client.get("/"))


def test_a_member_sees_their_name_their_space_and_a_logout_button(alice_client, alice):
    html = header(alice_client.get("/"))

    assert f"Connecté(e)\u00a0: {alice.get_full_name()}" in html
    assert 'href="/espace-organisme/">Mon espace</a>' in html
    assert '<form method="post" action="/deconnexion/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<button type="submit"' in html


def test_an_account_without_a_name_is_shown_by_its_address(client):
    user = UserFactory(first_name="", last_name="", email="sans-nom@example.org")
    client.force_login(user)

    assert "Connecté(e)\u00a0: sans-nom@example.org" in header(client.get("/"))


def test_staff_get_a_link_to_the_admin(client):
    client.force_login(UserFactory(is_staff=True))

    assert 'href="/admin/">Administration</a>' in header(client.get("/"))


def test_the_logout_button_logs_out(alice_client):
    response = alice_client.post("/deconnexion/")

    assert response.status_code == 302
    assert "Se déconnecter" not in header(alice_client.get("/"))

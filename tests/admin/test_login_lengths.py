"""The admin's login form passes a username of any length to the authentication backend, whose
case-insensitive lookup SQLite refuses past 50,000 bytes (a 500): no address is longer than the
e-mail field, so none is looked up."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_username_longer_than_any_address_is_a_failed_login(client):
    UserFactory()  # SQLite evaluates the pattern against rows only

    response = client.post(
        reverse("admin:login"), {"username": "x" * 60_000, "password": "mot-de-passe"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors


def test_no_address_longer_than_the_field_is_looked_up():
    UserFactory(email="a" * 240 + "@example.org")

    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("a" * 60_000 + "@example.org")


def test_addresses_are_still_found_whatever_their_case():
    user = UserFactory(email="ines@example.org")

    assert User.objects.get_by_natural_key("Ines@Example.org") == user

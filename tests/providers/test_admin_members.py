"""Staff attach members to a provider in the admin: the member then enters the space."""

import pytest
from django.test import Client

from tests.admin.formdata import admin_form_data
from tests.factories import opco_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(db):
    """An OPCO staff member's browser, apart from the `client` the member uses."""
    staff = opco_staff_user()
    staff_browser = Client()
    staff_browser.force_login(staff)
    return staff_browser


def test_members_field_searches_accounts_by_e_mail(staff_client, provider, charlie):
    response = staff_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "catalogue",
            "model_name": "provider",
            "field_name": "members",
            "term": "charlie@",
        },
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(charlie.pk)]


def test_attaching_an_account_in_the_admin_opens_the_space_to_it(
    staff_client, client, provider, charlie
):
    url = f"/admin/catalogue/provider/{provider.pk}/change/"
    data = admin_form_data(staff_client.get(url))
    data["members"] = [str(charlie.pk)]

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(provider.members.all()) == [charlie]
    client.force_login(charlie)

    assert client.get("/espace-organisme/").status_code == 200

"""Staff never get a trainee's personal link from the admin: the link lets whoever holds it act
as the trainee (cancel, accept an offer), and the transition log would say the trainee did."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from enrolment.models import Enrolment
from tests.factories import EnrolmentFactory, UserFactory


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_view_on_site_shortcut_gives_no_personal_link(superuser_client):
    enrolment = EnrolmentFactory()
    content_type = ContentType.objects.get_for_model(Enrolment)

    response = superuser_client.get(f"/admin/r/{content_type.pk}/{enrolment.pk}/")

    assert response.status_code == 404
    assert "/inscription/" not in response.get("Location", "")


def test_the_session_page_lists_its_enrolments_without_a_personal_link(superuser_client):
    enrolment = EnrolmentFactory()

    html = superuser_client.get(
        reverse("admin:catalogue_session_change", args=[enrolment.session_id])
    ).content.decode()

    assert f"/admin/r/{ContentType.objects.get_for_model(Enrolment).pk}/" not in html
    assert "/inscription/" not in html

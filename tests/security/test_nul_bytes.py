"""NUL bytes answer 400 (accounts.middleware.RefuseNulBytesMiddleware): PostgreSQL refuses them
in text (DataError, a 500). Django's form fields refuse them; the admin's search, list filters
and autocomplete, and the session cookie's lookup, passed them on. Run these on PostgreSQL too:
DATABASE_URL=postgres://... .venv/bin/pytest tests/security/test_nul_bytes.py"""

import pytest
from django.urls import reverse

from enrolment.models import Enrolment
from tests.enrolment.helpers import form_data
from tests.factories import EmployerFactory, EnrolmentFactory, SessionFactory, TraineeFactory

pytestmark = pytest.mark.django_db

NUL = "\x00"


@pytest.mark.parametrize(
    "params",
    [
        {"q": NUL},
        {"q": f"Bernard{NUL}"},
        {"job": NUL},
        {"job__exact": f"ass{NUL}"},
        {f"job{NUL}": "ass"},
        {"employer__id__exact": NUL},
    ],
)
def test_admin_changelist_answers_400_to_a_nul_byte(staff_client, params):
    TraineeFactory()

    response = staff_client.get(reverse("admin:enrolment_trainee_changelist"), params)

    assert response.status_code == 400


def test_admin_autocomplete_answers_400_to_a_nul_byte(staff_client):
    EmployerFactory()

    response = staff_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "enrolment",
            "model_name": "trainee",
            "field_name": "employer",
            "term": NUL,
        },
    )

    assert response.status_code == 400


def test_public_search_answers_400_to_a_nul_byte(client):
    SessionFactory()

    response = client.get(reverse("catalogue:session_list"), {"q": NUL, "city": NUL})

    assert response.status_code == 400


def test_a_form_post_with_a_nul_byte_answers_400_and_saves_nothing(client):
    session = SessionFactory()

    response = client.post(
        reverse("enrolment:enrol", args=[session.pk]),
        form_data(first_name=f"Léa{NUL}", disability_needs=NUL),
    )

    assert response.status_code == 400
    assert not Enrolment.objects.exists()


def test_a_session_cookie_with_a_nul_byte_answers_400(client):
    client.cookies["sessionid"] = NUL * 32

    response = client.get(reverse("providers:home"))

    assert response.status_code == 400


def test_requests_without_nul_bytes_pass(staff_client):
    # Enrolled in the staff member's OPCO's programme: theirs to see.
    EnrolmentFactory(trainee=TraineeFactory(last_name="Bernard"))

    response = staff_client.get(reverse("admin:enrolment_trainee_changelist"), {"q": "Bernard"})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1


def test_a_nul_byte_in_the_path_answers_400(staff_client):
    response = staff_client.get("/admin/enrolment/trainee/%00/change/")

    assert response.status_code == 400

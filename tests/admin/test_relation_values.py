"""An id the admin's relation fields cannot look up is a form error: "abc" or a 5,000-digit
number in a search box (`autocomplete_fields`) answered 500 when the page was drawn again with
its errors, and a 30-digit one too on SQLite, as in any many-to-many field."""

import pytest
from django.urls import reverse

from enrolment.models import Attendance
from tests.admin.formdata import admin_form_data
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    ProviderFactory,
    SessionFactory,
    TraineeFactory,
)

pytestmark = pytest.mark.django_db

ODD_IDS = ["abc", "9" * 30, "9" * 5000]


def _attendance():
    enrolment = EnrolmentFactory()
    return Attendance.objects.create(
        enrolment=enrolment, day=enrolment.session.days.first(), half_day="am"
    )


# (admin page, a row to change, its relation field): the search boxes, then the many-to-many.
FIELDS = [
    pytest.param(page, factory, field, id=f"{page}.{field}")
    for page, factory, field in [
        ("catalogue_session", SessionFactory, "provider"),
        ("catalogue_provider", ProviderFactory, "members"),
        ("enrolment_trainee", TraineeFactory, "employer"),
        ("enrolment_enrolment", EnrolmentFactory, "employer"),
        ("enrolment_attendance", _attendance, "enrolment"),
        ("enrolment_attendance", _attendance, "day"),
        ("catalogue_session", SessionFactory, "trainers"),
        ("catalogue_session", SessionFactory, "partners"),
        ("catalogue_module", ModuleFactory, "prerequisite_modules"),
    ]
]


@pytest.mark.parametrize("value", ODD_IDS, ids=["abc", "30-digits", "5000-digits"])
@pytest.mark.parametrize(("page", "factory", "field"), FIELDS)
def test_an_id_that_cannot_be_looked_up_is_a_form_error(
    national_client, page, factory, field, value
):
    # Every object and its form, whatever its OPCO: the national administration's.
    staff_client = national_client
    url = reverse(f"admin:{page}_change", args=[factory().pk])
    data = {**admin_form_data(staff_client.get(url)), field: value}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


def test_a_real_provider_is_still_saved(staff_client):
    session = SessionFactory()
    other = ProviderFactory()
    url = reverse("admin:catalogue_session_change", args=[session.pk])
    data = {**admin_form_data(staff_client.get(url)), "provider": other.pk}

    response = staff_client.post(url, data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.provider == other

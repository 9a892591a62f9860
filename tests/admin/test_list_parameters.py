"""The admin's lists answer whatever their URL carries: a date drill-down into year 9999 (Django
computes its end from the next year, month or day) or with a 30-digit year answered 500; the
search box of a session's provider paginated a list without an order."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import MANAGED_APPS
from tests.factories import EnrolmentFactory, ProviderFactory

pytestmark = pytest.mark.django_db

# The project's lists (django-axes' own are for superusers only).
DATED_ADMINS = sorted(
    (
        model
        for model, model_admin in admin.site._registry.items()
        if model_admin.date_hierarchy and model._meta.app_label in MANAGED_APPS
    ),
    key=lambda model: model._meta.label,
)
BEYOND = [
    "{f}__year=9999",
    "{f}__year=9999&{f}__month=12",
    "{f}__year=9999&{f}__month=12&{f}__day=31",
    "{f}__year=" + "9" * 30,
]


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("query", BEYOND)
@pytest.mark.parametrize("model", DATED_ADMINS, ids=lambda model: model._meta.label)
def test_a_drilldown_past_year_9998_is_refused_as_a_wrong_filter(staff_client, model, query):
    field = admin.site._registry[model].date_hierarchy

    response = staff_client.get(f"{_changelist(model)}?{query.format(f=field)}")

    assert response.status_code == 302
    assert response.url.endswith("?e=1")


def test_a_drilldown_into_this_year_still_lists_its_rows(staff_client):
    enrolment = EnrolmentFactory()
    year = timezone.localdate().year

    response = staff_client.get(_changelist(type(enrolment)), {"created_at__year": year})
    other = staff_client.get(_changelist(type(enrolment)), {"created_at__year": year - 1})

    assert list(response.context["cl"].result_list) == [enrolment]
    assert list(other.context["cl"].result_list) == []


def test_the_session_pages_provider_search_is_ordered_by_name(staff_client):
    # The provider admin counts trainers and sessions: a grouped query, which drops
    # Meta.ordering; paginating it warned (an error in the tests) and could skip rows.
    for name in ("Praxis", "Croix-Rouge française", "Ifocas"):
        ProviderFactory(name=name)

    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalogue", "model_name": "session", "field_name": "provider"},
    )

    assert response.status_code == 200
    names = [result["text"] for result in response.json()["results"]]
    assert names == ["Croix-Rouge française", "Ifocas", "Praxis"]

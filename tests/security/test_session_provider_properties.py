"""A provider's save of a session (the providers' space form and the spreadsheet upload)
given any text, any date, any number: a ValidationError, or a valid session or proposal;
never another exception, never half saved. And the form's page given anything: a form error
or a redirect, never a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import event, given
from hypothesis import strategies as st

from catalogue.models import Session
from enrolment.models import SessionChangeRequest
from enrolment.session_services import PROVIDER_FIELDS, session_provider_save
from enrolment.transitions import Actor
from tests.factories import EnrolmentFactory, ModuleFactory, ProviderFactory, SessionFactory

from .strategies import date_inputs, form_counts, int_inputs, service_texts, texts, time_inputs
from .test_properties import (
    SESSION_VALUES,
    _check_session_valid,
    _counts,
    _overrides,
    _rolled_back,
    _session_state,
    day_values,
)

pytestmark = pytest.mark.django_db

PROVIDER_VALUES = {name: value for name, value in SESSION_VALUES.items() if name in PROVIDER_FIELDS}
PROVIDER_VALUES["reference"] = service_texts


def _valid_fields():
    return {
        "module": ModuleFactory(),
        "label": "Groupe 1",
        "city": "Tours",
        "postcode": "37000",
        "capacity": 12,
        "min_participants": 0,
    }


@pytest.fixture
def provider(db):
    return ProviderFactory()


@given(fields=_overrides(PROVIDER_VALUES), days=st.lists(day_values, max_size=3))
@_rolled_back
def test_new_session_is_saved_valid_or_not_at_all(provider, fields, days):
    before = _counts()
    try:
        session, _ = session_provider_save(
            provider_id=provider.pk,
            session_id=None,
            fields={**_valid_fields(), **fields},
            days=days,
            trainer_ids=[],
            by=Actor.job("tests"),
        )
    except ValidationError:
        event("refused")
        assert _counts() == before
    else:
        event("created")
        _check_session_valid(session.pk)


@pytest.fixture
def published(provider):
    session = SessionFactory(provider=provider, capacity=3, min_participants=1)
    EnrolmentFactory.create_batch(2, session=session)
    return session


@given(fields=_overrides(PROVIDER_VALUES), days=st.lists(day_values, max_size=3))
@_rolled_back
def test_published_session_change_is_applied_proposed_or_refused_whole(
    provider, published, fields, days
):
    before = _session_state(published.pk)
    counts = _counts()
    requests = SessionChangeRequest.objects.count()
    try:
        session_provider_save(
            provider_id=provider.pk,
            session_id=published.pk,
            fields=fields,
            days=days,
            trainer_ids=[],
            by=Actor.job("tests"),
        )
    except ValidationError:
        event("refused")
        assert _session_state(published.pk) == before
        assert _counts() == counts
        assert SessionChangeRequest.objects.count() == requests
    else:
        event("saved")
        _check_session_valid(published.pk)


FORM_VALUES = {
    "module": int_inputs,
    "label": texts,
    "reference": texts,
    "postcode": texts,
    "city": texts,
    "registration_deadline": date_inputs,
    "capacity": int_inputs,
    "min_participants": int_inputs,
    "trainers": int_inputs,
    "disability_contact_email": texts,
    "disability_contact_phone": texts,
    "jours-TOTAL_FORMS": form_counts,
    "jours-INITIAL_FORMS": form_counts,
    "jours-0-id": int_inputs,
    "jours-0-date": date_inputs,
    "jours-0-morning_start": time_inputs,
    "jours-1-date": date_inputs,
    "jours-1-afternoon_end": time_inputs,
    "organisme": int_inputs,
}


@given(data=_overrides(FORM_VALUES, max_size=6))
def test_session_form_answers_a_form_error_or_a_redirect(client, provider, published, data):
    user = provider.members.create(email="membre@organisme.example.org")
    client.force_login(user)
    base = {
        "module": str(published.module_id),
        "label": "Groupe 1",
        "postcode": "45000",
        "city": "Orléans",
        "capacity": "12",
        "min_participants": "0",
        "jours-TOTAL_FORMS": "2",
        "jours-INITIAL_FORMS": "0",
        "jours-0-date": "2030-05-06",
        "jours-0-morning_start": "09:00",
        "jours-0-morning_end": "12:30",
    }
    data = {name: value.replace("\x00", "") for name, value in {**base, **data}.items()}
    try:
        for url in (
            "/espace-organisme/sessions/nouvelle/",
            f"/espace-organisme/sessions/{published.pk}/modifier/",
        ):
            with transaction.atomic():
                response = client.post(url, data)
                transaction.set_rollback(True)
            assert response.status_code in (200, 302)
    finally:
        Session.objects.exclude(pk=published.pk).delete()
        user.delete()

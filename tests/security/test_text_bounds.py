"""Every free text has a length limit, in the forms and in the models' validation: a million
characters were accepted, stored and mailed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue.models import Module, ModuleDay, Sequence, Session, SessionDay
from enrolment.forms import EnrolmentForm, SatisfactionForm
from enrolment.models import Enrolment, SatisfactionResponse, Trainee, Transition
from outbox.models import OutboxMail
from tests.admin.formdata import admin_form_data
from tests.enrolment.helpers import form_data
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    PrerequisiteModuleFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

MILLION = "x" * 1_000_000


def _enrolment_form(session, **overrides):
    return EnrolmentForm(form_data(**overrides), session=session)


@pytest.mark.parametrize("field", ["disability_needs", "prerequisite_practice"])
def test_enrolment_form_bounds_the_long_texts_to_2000(field):
    session = SessionFactory(module=PrerequisiteModuleFactory())
    declaration = {"prerequisite_basis": "practice", "prerequisite_practice": "Maraudes."}

    assert _enrolment_form(session, **{**declaration, field: "x" * 2000}).is_valid()
    form = _enrolment_form(session, **{**declaration, field: "x" * 2001})
    assert not form.is_valid()
    assert field in form.errors


def test_a_million_characters_of_needs_are_refused_and_nothing_is_saved_or_mailed(client):
    session = SessionFactory()

    response = client.post(
        reverse("enrolment:enrol", args=[session.pk]), form_data(disability_needs=MILLION)
    )

    assert response.status_code == 200
    assert "disability_needs" in response.context["form"].errors
    assert not Enrolment.objects.exists()
    assert not Trainee.objects.exists()
    assert not OutboxMail.objects.exists()


def test_satisfaction_form_bounds_the_comment_to_2000():
    answers = dict.fromkeys(("objectives", "content", "facilitation"), "4")
    answers |= {"organisation": "4", "usefulness": "4", "would_recommend": "oui"}

    assert SatisfactionForm({**answers, "comment": "x" * 2000}).is_valid()
    form = SatisfactionForm({**answers, "comment": "x" * 2001})
    assert not form.is_valid()
    assert "comment" in form.errors


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("disability_needs", 2000),
        ("prerequisite_practice", 2000),
        ("refusal_reason", 2000),
        ("employer_contact_name", 200),
        ("prerequisite_module_when", 100),
        ("prerequisite_module_provider", 200),
    ],
)
def test_enrolment_model_validation_bounds_its_texts(field, limit):
    enrolment = EnrolmentFactory()
    setattr(enrolment, field, "x" * limit)
    enrolment.full_clean()

    setattr(enrolment, field, "x" * (limit + 1))
    with pytest.raises(ValidationError) as error:
        enrolment.full_clean()
    assert field in error.value.message_dict


def test_satisfaction_model_validation_bounds_the_comment():
    response = SatisfactionResponse(
        enrolment=EnrolmentFactory(),
        objectives=4,
        content=4,
        facilitation=4,
        organisation=4,
        usefulness=4,
        would_recommend=True,
        comment="x" * 2001,
    )
    with pytest.raises(ValidationError) as error:
        response.full_clean()
    assert "comment" in error.value.message_dict


def test_transition_reason_is_bounded():
    enrolment = EnrolmentFactory()
    transition = Transition(
        session=enrolment.session,
        enrolment=enrolment,
        to_status="refused",
        actor_kind="staff",
        reason="x" * 2001,
    )
    with pytest.raises(ValidationError) as error:
        transition.full_clean()
    assert "reason" in error.value.message_dict


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("access_notes", 2000),
        ("context", 10_000),
        ("objectives", 10_000),
        ("prerequisites", 10_000),
        ("inter_session_work", 10_000),
    ],
)
def test_session_model_validation_bounds_its_texts(field, limit):
    session = SessionFactory()
    setattr(session, field, "x" * limit)
    session.full_clean()

    setattr(session, field, "x" * (limit + 1))
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert field in error.value.message_dict


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [
        (Module, "audience", 10_000),
        (Module, "context", 10_000),
        (Module, "objectives", 10_000),
        (Module, "prerequisites", 10_000),
        (Module, "inter_session_work", 10_000),
        (Module, "funding_note", 10_000),
        (Sequence, "description", 10_000),
        (ModuleDay, "content", 10_000),
        (SessionDay, "content", 10_000),
    ],
)
def test_catalogue_texts_are_bounded(model, field, limit):
    assert model._meta.get_field(field).max_length == limit
    module = ModuleFactory()
    session = SessionFactory(module=module)
    rows = {
        Module: module,
        Sequence: Sequence(module=module, number=99, title="Titre", description="."),
        ModuleDay: ModuleDay(module=module, number=9, title="Titre"),
        SessionDay: session.sorted_days[0],
    }
    row = rows[model]
    setattr(row, field, "x" * (limit + 1))
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert field in error.value.message_dict


def test_admin_refusal_reason_is_bounded(staff_client):
    pending = EnrolmentFactory(status=Enrolment.Status.PENDING)

    response = staff_client.post(
        reverse("admin:enrolment_enrolment_changelist"),
        {
            "action": "refuse_enrolments",
            "post": "yes",
            "_selected_action": [pending.pk],
            "reason": "x" * 2001,
        },
    )

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    pending.refresh_from_db()
    assert pending.status == Enrolment.Status.PENDING


def test_admin_session_cancellation_reason_is_bounded(staff_client):
    session = SessionFactory()

    response = staff_client.post(
        reverse("admin:catalogue_session_changelist"),
        {
            "action": "cancel_sessions",
            "_selected_action": [session.pk],
            "confirm": "yes",
            "reason": "x" * 2001,
        },
    )

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED


def test_admin_session_form_bounds_the_access_notes(staff_client):
    session = SessionFactory()
    url = reverse("admin:catalogue_session_change", args=[session.pk])
    data = admin_form_data(staff_client.get(url))
    data["access_notes"] = "x" * 2001

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "access_notes" in response.context["adminform"].form.errors


def test_services_refuse_an_overlong_reason_whoever_calls_them():
    from django.core.exceptions import ValidationError

    from catalogue.text import MESSAGE_MAX_LENGTH
    from enrolment import services
    from enrolment.models import Enrolment, Transition
    from enrolment.transitions import Actor
    from tests.factories import EnrolmentFactory

    enrolment = EnrolmentFactory(status=Enrolment.Status.PENDING)

    with pytest.raises(ValidationError):
        services.enrolment_refuse(
            enrolment_id=enrolment.pk, by=Actor.staff(None), reason="x" * (MESSAGE_MAX_LENGTH + 1)
        )

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.PENDING
    assert not Transition.objects.exists()

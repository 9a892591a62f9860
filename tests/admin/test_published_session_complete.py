"""A published session keeps what its publication required (session_missing_for_publication):
its address, days, OPCO contact, trainers and deadline. The admin form says so next to the field
and saves nothing; session_change refuses it too; a provider's change is refused at
session_provider_check. What a published session already lacked is not asked of every change."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue.models import Session, Trainer
from enrolment.session_services import session_change, session_provider_check
from enrolment.transitions import Actor
from tests.admin.formdata import admin_form_data
from tests.factories import SessionFactory, TrainerFactory

pytestmark = pytest.mark.django_db

STAFF = Actor.staff(None)


def change_url(session):
    return reverse("admin:catalogue_session_change", args=[session.pk])


@pytest.fixture
def published():
    return SessionFactory(status=Session.Status.PUBLISHED, trainers=True)


@pytest.mark.parametrize(
    ("field", "blank", "message"),
    [
        ("venue_address", "", "Une session publiée garde l'adresse de son lieu."),
        ("opco_contact", None, "Une session publiée garde un interlocuteur OPCO."),
        ("trainers", None, "Une session publiée garde au moins un intervenant."),
        (
            "registration_deadline",
            None,
            "Une session publiée garde une date limite d'inscription.",
        ),
    ],
)
def test_the_admin_refuses_to_empty_what_publication_requires(
    staff_client, published, field, blank, message
):
    url = change_url(published)
    data = admin_form_data(staff_client.get(url))
    data.pop(field, None)
    if blank == "":
        data[field] = ""

    response = staff_client.post(url, data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors[field] == [message]
    published.refresh_from_db()
    assert published.venue_address
    assert published.opco_contact_id is not None
    assert published.registration_deadline is not None
    assert published.trainers.exists()


def test_the_admin_still_saves_a_published_session_that_stays_complete(staff_client, published):
    url = change_url(published)
    data = admin_form_data(staff_client.get(url))
    data["venue_address"] = "12 rue Neuve"

    assert staff_client.post(url, data).status_code == 302
    published.refresh_from_db()
    assert published.venue_address == "12 rue Neuve"


def test_a_draft_may_be_left_incomplete(staff_client):
    draft = SessionFactory(status=Session.Status.DRAFT, trainers=True)
    url = change_url(draft)
    data = admin_form_data(staff_client.get(url))
    data["venue_address"] = ""

    assert staff_client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.venue_address == ""


def test_session_change_refuses_it_under_the_lock(published):
    with pytest.raises(ValidationError) as error:
        session_change(
            session_id=published.pk,
            fields={"venue_address": " ", "opco_contact": None},
            trainer_ids=[],
            by=STAFF,
        )

    assert set(error.value.message_dict) == {"venue_address", "opco_contact", "trainers"}
    published.refresh_from_db()
    assert published.venue_address and published.opco_contact_id and published.trainers.exists()


def test_session_change_does_not_ask_what_the_session_already_lacked():
    published = SessionFactory(status=Session.Status.PUBLISHED)  # no trainers
    session_change(session_id=published.pk, fields={"label": "Groupe B"}, by=STAFF)
    published.refresh_from_db()
    assert published.label == "Groupe B"


def test_a_provider_may_not_take_the_address_or_trainers_of_a_published_session(published):
    with pytest.raises(ValidationError) as error:
        session_provider_check(
            provider_id=published.provider_id,
            session_id=published.pk,
            fields={"venue_address": ""},
            days=[
                {name: getattr(day, name) for name in ("date", "morning_start", "morning_end")}
                for day in published.days.all()
            ],
            trainer_ids=[],
        )

    errors = error.value.message_dict
    assert errors["venue_address"] == ["Une session publiée garde l'adresse de son lieu."]
    assert errors["trainers"] == ["Une session publiée garde au moins un intervenant."]


def trainer_delete_url(trainer):
    return reverse("admin:catalogue_trainer_delete", args=[trainer.pk])


def test_the_last_trainer_of_a_published_session_cannot_be_deleted(staff_client, published):
    trainer = published.trainers.get()

    page = staff_client.get(trainer_delete_url(trainer)).content.decode()
    response = staff_client.post(trainer_delete_url(trainer), {"post": "yes"})

    assert "elle n'aurait plus d'intervenant" in page.replace("&#x27;", "'")
    assert response.status_code == 200
    assert published.trainers.filter(pk=trainer.pk).exists()


def test_a_trainer_another_one_replaces_or_of_a_draft_may_be_deleted(staff_client, published):
    trainer = published.trainers.get()
    published.trainers.add(TrainerFactory(provider=published.provider))
    draft = SessionFactory(status=Session.Status.DRAFT, provider=published.provider)
    draft.trainers.add(trainer)

    response = staff_client.post(trainer_delete_url(trainer), {"post": "yes"})

    assert response.status_code == 302
    assert not Trainer.objects.filter(pk=trainer.pk).exists()
    assert published.trainers.count() == 1

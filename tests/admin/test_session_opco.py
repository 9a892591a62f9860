"""A session belongs to an OPCO's programme from its creation: its creator's, in the admin;
its provider's, when a provider proposes it."""

import datetime

import pytest

from catalogue.models import Opco, Session
from enrolment.session_services import session_provider_save
from enrolment.transitions import Actor
from tests.admin.test_session_admin import ADD, new_session_data
from tests.factories import ModuleFactory, OpcoContactFactory, ProviderFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2031, 6, 5)


def test_a_session_created_by_opco_staff_is_their_opcos(staff_client, staff_user):
    data = new_session_data(staff_client, deadline=DAY - datetime.timedelta(days=30), day=DAY)
    # Even a forged field cannot move it into another programme.
    data["opco"] = Opco.objects.create(name="Uniformation", slug="uniformation").pk

    response = staff_client.post(ADD, data)

    assert response.status_code == 302
    assert Session.objects.get().opco.slug == "opco-sante"


def test_the_national_administration_chooses_the_opco_or_gets_the_contacts(
    national_client,
):
    uniformation = Opco.objects.create(name="Uniformation", slug="uniformation")
    contact = OpcoContactFactory(opco=uniformation)
    data = new_session_data(national_client, deadline=DAY - datetime.timedelta(days=30), day=DAY)
    data.pop("opco", None)
    data["opco_contact"] = contact.pk

    response = national_client.post(ADD, data)

    assert response.status_code == 302
    assert Session.objects.get().opco == uniformation


def test_opco_staff_cannot_pick_another_opcos_contact(staff_client):
    theirs = OpcoContactFactory(opco=Opco.objects.create(name="Uniformation", slug="uniformation"))
    data = new_session_data(staff_client, deadline=DAY - datetime.timedelta(days=30), day=DAY)
    data["opco_contact"] = theirs.pk

    response = staff_client.post(ADD, data)

    assert response.status_code == 200
    assert "opco_contact" in response.context["adminform"].form.errors
    assert not Session.objects.exists()


def test_a_providers_new_session_joins_its_opcos_programme(staff_client):
    uniformation = Opco.objects.create(name="Uniformation", slug="uniformation")
    provider = ProviderFactory(opco=uniformation)
    member = UserFactory()
    provider.members.add(member)
    session, _outcome = session_provider_save(
        provider_id=provider.pk,
        session_id=None,
        fields={
            "module": ModuleFactory(),
            "label": "Groupe 3",
            "city": "Tours",
            "venue_address": "10 rue Nationale",
            "postcode": "37000",
            "registration_deadline": DAY - datetime.timedelta(days=14),
            "capacity": 14,
            "min_participants": 6,
        },
        days=[{"date": DAY, "morning_start": datetime.time(9), "morning_end": datetime.time(12)}],
        trainer_ids=[],
        by=Actor.provider(member),
    )

    session.refresh_from_db()
    assert session.opco == uniformation
    # OPCO Santé's staff do not see it.
    assert staff_client.get(f"/admin/catalogue/session/{session.pk}/change/").status_code == 404

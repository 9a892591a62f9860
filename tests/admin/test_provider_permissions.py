"""An OPCO's staff change, delete and invite only on their own OPCO's providers (and those
providers' trainers): a provider of another OPCO that runs one of their sessions, and its
trainers, are view-only to them. And a provider's members are never staff: neither the
invitation nor the members field lets an account of the administration into a provider's
space (where it would see every session of the provider, another OPCO's trainees too)."""

import html

import pytest
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError

from catalogue.models import Opco, Provider, Trainer
from providers.accounts import member_invite
from tests.admin.formdata import admin_form_data
from tests.admin.test_pages import admin_url
from tests.factories import (
    OpcoFactory,
    ProviderFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    opco_staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared():
    """Uniformation's provider, running one of OPCO Santé's sessions with its trainer."""
    uniformation = Opco.objects.create(name="Uniformation", slug="uniformation")
    provider = ProviderFactory(opco=uniformation, name="Organisme d'Uniformation")
    trainer = TrainerFactory(provider=provider)
    session = SessionFactory(provider=provider)
    session.trainers.add(trainer)
    assert session.opco == OpcoFactory()  # OPCO Santé's session
    member = UserFactory(email="membre@organisme.example.org")
    provider.members.add(member)
    return provider


def test_another_opcos_provider_running_our_session_is_view_only(staff_client, shared):
    url = admin_url(Provider, "change", shared.pk)
    page = staff_client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert "/inviter/" not in page.content.decode()

    # Renamed, its members removed (locking them out): refused.
    response = staff_client.post(url, {"name": "Renommé", "slug": shared.slug, "members": []})
    assert response.status_code == 403
    assert (
        staff_client.post(admin_url(Provider, "delete", shared.pk), {"post": "yes"}).status_code
        == 403
    )
    changelist = admin_url(Provider, "changelist")
    response = staff_client.post(
        changelist,
        {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [shared.pk], "post": "yes"},
    )
    # The refusal page, for want of the permission (Django raises 403 only when nothing else
    # stands in the way).
    assert response.context["perms_lacking"]
    assert Provider.objects.filter(pk=shared.pk).exists()
    invite = f"{url.removesuffix('change/')}inviter/"
    assert staff_client.get(invite).status_code == 403
    response = staff_client.post(invite, {"email": "intrus@example.org"})
    assert response.status_code == 403

    shared.refresh_from_db()
    assert shared.name == "Organisme d'Uniformation"
    assert shared.members.count() == 1
    assert not UserFactory._meta.model.objects.filter(email="intrus@example.org").exists()


def test_our_own_provider_stays_ours_to_change_and_invite(staff_client):
    provider = SessionFactory().provider
    url = admin_url(Provider, "change", provider.pk)
    page = staff_client.get(url)
    assert page.context["has_change_permission"]
    data = {**admin_form_data(page), "name": "Nouveau nom"}
    assert staff_client.post(url, data).status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Nouveau nom"
    invite = f"{url.removesuffix('change/')}inviter/"
    assert staff_client.get(invite).status_code == 200


def test_another_opcos_providers_trainer_is_view_only(staff_client, shared):
    trainer = shared.trainers.get()
    url = admin_url(Trainer, "change", trainer.pk)
    page = staff_client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    response = staff_client.post(
        url, {"first_name": "X", "last_name": "Y", "role": "", "provider": shared.pk}
    )
    assert response.status_code == 403
    assert (
        staff_client.post(admin_url(Trainer, "delete", trainer.pk), {"post": "yes"}).status_code
        == 403
    )
    assert Trainer.objects.filter(pk=trainer.pk, first_name="Chantal").exists()

    # Nor is a trainer added to that provider.
    add = staff_client.get(admin_url(Trainer, "add"))
    choices = add.context["adminform"].form.fields["provider"].queryset
    assert shared not in choices


def test_our_providers_trainer_is_ours(staff_client):
    trainer = TrainerFactory()
    url = admin_url(Trainer, "change", trainer.pk)
    data = {**admin_form_data(staff_client.get(url)), "first_name": "Nadia"}
    assert staff_client.post(url, data).status_code == 302
    trainer.refresh_from_db()
    assert trainer.first_name == "Nadia"


def test_the_national_administration_changes_any_provider(national_client, shared):
    url = admin_url(Provider, "change", shared.pk)
    page = national_client.get(url)
    assert page.context["has_change_permission"]
    data = {**admin_form_data(page), "name": "Renommé"}
    assert national_client.post(url, data).status_code == 302


# Members are never staff --------------------------------------------------------------------


def test_member_invite_refuses_a_staff_or_superuser_account(shared):
    staff = opco_staff_user()
    superuser = UserFactory(is_staff=True, is_superuser=True)
    for user in (staff, superuser):
        with pytest.raises(ValidationError) as error:
            member_invite(provider_id=shared.pk, email=user.email.upper())
        assert error.value.code == "staff"
    assert not shared.members.filter(is_staff=True).exists()


def test_staff_cannot_invite_themselves_into_their_providers_space(
    staff_client, staff_user, mailoutbox
):
    provider = SessionFactory().provider
    invite = f"{admin_url(Provider, 'change', provider.pk).removesuffix('change/')}inviter/"
    response = staff_client.post(invite, {"email": staff_user.email})
    assert response.status_code == 200
    assert "compte de l'administration" in html.unescape(response.content.decode())
    assert not provider.members.filter(pk=staff_user.pk).exists()
    assert mailoutbox == []


def test_the_members_field_refuses_staff_and_offers_none(staff_client, staff_user):
    provider = SessionFactory().provider
    url = admin_url(Provider, "change", provider.pk)
    page = staff_client.get(url)
    assert staff_user not in page.context["adminform"].form.fields["members"].queryset
    data = {**admin_form_data(page), "members": [staff_user.pk]}
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["members"]
    assert not provider.members.filter(pk=staff_user.pk).exists()

    nobody = UserFactory(email="personne@example.org")
    found = staff_client.get(
        "/admin/autocomplete/",
        {"app_label": "catalogue", "model_name": "provider", "field_name": "members", "term": ""},
    ).json()["results"]
    ids = {int(row["id"]) for row in found}
    assert nobody.pk in ids
    assert staff_user.pk not in ids


def test_the_national_administration_cannot_make_a_staff_account_a_member(national_client):
    provider = SessionFactory().provider
    staff = opco_staff_user()
    url = admin_url(Provider, "change", provider.pk)
    data = {**admin_form_data(national_client.get(url)), "members": [staff.pk]}
    response = national_client.post(url, data)
    assert response.status_code == 200
    assert not provider.members.filter(pk=staff.pk).exists()

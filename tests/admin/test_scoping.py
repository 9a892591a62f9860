"""Each OPCO its own programme: an OPCO Santé manager against Uniformation's objects, in every
model admin and its custom pages."""

import pytest
from django.contrib import admin
from django.urls import URLPattern, reverse

from accounts.permissions import NATIONAL_MODELS
from backoffice.scoping import session_scope_q, staff_opco
from catalogue.models import Opco, OpcoContact, OpcoStaff, Provider, Session
from tests.admin.test_pages import admin_url, one_of_each
from tests.factories import OpcoContactFactory, OpcoFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

NATIONAL = {(app_label, model_name) for app_label, model_name in NATIONAL_MODELS}
# Not part of any OPCO's programme: accounts and their lock-outs (superusers' business).
OUTSIDE = {"accounts", "auth", "axes"}


def is_national(model):
    return (model._meta.app_label, model._meta.model_name) in NATIONAL


SCOPED = sorted(
    (
        model
        for model in admin.site._registry
        if model._meta.app_label not in OUTSIDE and not is_national(model)
    ),
    key=lambda model: model._meta.label,
)


def uniformation_world():
    """One of each object, in Uniformation's programme."""
    uniformation = Opco.objects.create(name="Uniformation", slug="uniformation")
    objects = one_of_each()
    session = objects[Session]
    OpcoContact.objects.filter(pk=session.opco_contact_id).update(opco=uniformation)
    Session.objects.filter(pk=session.pk).update(opco=uniformation)
    Provider.objects.filter(pk=session.provider_id).update(opco=uniformation)
    OpcoStaff.objects.filter(pk=objects[OpcoStaff].pk).update(opco=uniformation)
    return objects


def test_every_admin_is_scoped_or_national():
    from backoffice.scoping import NationalContentMixin, OpcoScopedAdminMixin

    for model in SCOPED:
        assert isinstance(admin.site._registry[model], OpcoScopedAdminMixin), model
    for model, model_admin in admin.site._registry.items():
        if is_national(model):
            assert isinstance(model_admin, NationalContentMixin), model


@pytest.mark.parametrize("model", SCOPED, ids=lambda model: model._meta.label)
def test_another_opcos_object_is_absent_and_answers_404(staff_client, model):
    objects = uniformation_world()
    if model not in objects:
        pytest.fail(f"{model._meta.label}: give one_of_each a row of it")
    obj = objects[model]

    changelist = staff_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert obj not in changelist.context["cl"].result_list
    for view in ("change", "history"):
        assert staff_client.get(admin_url(model, view, obj.pk)).status_code == 404, view
    # As a missing object answers: 404, or 403 where the page is refused whatever the object
    # (a read-only admin's delete or save).
    missing = obj.pk + 10_000
    for method, view in (("get", "delete"), ("post", "delete"), ("post", "change")):
        send = getattr(staff_client, method)
        status = send(admin_url(model, view, obj.pk)).status_code
        assert status == send(admin_url(model, view, missing)).status_code, (method, view)
        assert status in (403, 404), (method, view)


@pytest.mark.parametrize("model", SCOPED, ids=lambda model: model._meta.label)
def test_own_opcos_object_is_listed(staff_client, model):
    obj = one_of_each()[model]

    changelist = staff_client.get(admin_url(model, "changelist"))
    assert obj in changelist.context["cl"].result_list
    assert staff_client.get(admin_url(model, "change", obj.pk)).status_code == 200


def custom_object_urls():
    """(model, url name) of every custom admin URL that takes an object's id."""
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in OUTSIDE:
            continue
        own = {p.name for p in admin.ModelAdmin(model, admin.site).get_urls() if p.name}
        for pattern in model_admin.get_urls():
            if (
                isinstance(pattern, URLPattern)
                and pattern.name
                and pattern.name not in own
                and "object_id" in str(pattern.pattern)
            ):
                yield model, pattern.name


@pytest.mark.parametrize(
    ("model", "name"),
    sorted(custom_object_urls(), key=lambda pair: pair[1]),
    ids=[name for _model, name in sorted(custom_object_urls(), key=lambda pair: pair[1])],
)
def test_custom_urls_answer_404_for_another_opcos_object(staff_client, model, name):
    obj = uniformation_world()[model]
    url = reverse(f"admin:{name}", args=[obj.pk])

    answers = {staff_client.get(url).status_code, staff_client.post(url, {}).status_code}

    assert 404 in answers
    assert answers <= {403, 404, 405}


def test_autocomplete_hides_another_opcos_providers(staff_client):
    theirs = uniformation_world()[Provider]
    response = staff_client.get(
        "/admin/autocomplete/",
        {"app_label": "catalogue", "model_name": "session", "field_name": "provider", "term": ""},
    )
    assert response.status_code == 200
    assert str(theirs.pk) not in {result["id"] for result in response.json()["results"]}


def test_session_form_offers_only_own_contacts_and_fixes_the_opco(staff_client, staff_user):
    theirs = uniformation_world()[OpcoContact]
    ours = OpcoContactFactory()
    session = SessionFactory()

    response = staff_client.get(admin_url(Session, "change", session.pk))

    form = response.context["adminform"].form
    contacts = set(form.fields["opco_contact"].queryset)
    assert ours in contacts and theirs not in contacts
    assert "opco" not in form.fields  # read-only to OPCO staff
    assert staff_opco(staff_user) == session.opco


def test_national_administration_sees_every_opco(national_client, national_user):
    theirs = uniformation_world()[Session]

    assert session_scope_q(national_user) == session_scope_q(UserFactory(is_superuser=True))
    response = national_client.get(admin_url(Session, "change", theirs.pk))
    assert response.status_code == 200


def test_staff_without_an_opco_see_no_session(client):
    from django.contrib.auth.models import Group

    from accounts.permissions import OPCO_STAFF_GROUP

    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=OPCO_STAFF_GROUP))
    SessionFactory()
    client.force_login(user)

    assert list(client.get(admin_url(Session, "changelist")).context["cl"].result_list) == []


@pytest.mark.parametrize("model", sorted(NATIONAL), ids=lambda pair: ".".join(pair))
def test_national_content_is_read_only_to_opco_staff(staff_client, model):
    from django.apps import apps

    model = apps.get_model(*model)
    obj = one_of_each()[model]

    change = staff_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert staff_client.get(admin_url(model, "add")).status_code == 403
    assert staff_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_national_administration_edits_the_national_content(national_client):
    from catalogue.models import Module

    module = one_of_each()[Module]
    response = national_client.get(admin_url(Module, "change", module.pk))
    assert response.context["has_change_permission"] is True


def test_list_filters_offer_only_own_providers(staff_client):
    theirs = uniformation_world()[Provider]
    ours = SessionFactory().provider

    response = staff_client.get(admin_url(Session, "changelist"), {"quand": "toutes"})

    html = response.content.decode()
    assert ours.name in html
    assert theirs.name not in html


def test_accounts_are_limited_to_own_staff_and_visible_providers_members(staff_client, staff_user):
    from accounts.models import User

    world = uniformation_world()
    their_member = UserFactory()
    world[Provider].members.add(their_member)
    their_staff = world[OpcoStaff].user
    User.objects.filter(pk=their_staff.pk).update(is_staff=True)
    nobodys = UserFactory()  # neither staff nor a member: staff may attach it to a provider
    our_member = UserFactory()
    SessionFactory().provider.members.add(our_member)

    changelist = staff_client.get(admin_url(User, "changelist"))

    listed = set(changelist.context["cl"].result_list)
    assert {staff_user, our_member, nobodys} <= listed
    assert not {their_member, their_staff} & listed
    assert staff_client.get(admin_url(User, "change", their_member.pk)).status_code == 404


def test_a_provider_or_contact_added_by_opco_staff_is_their_opcos(staff_client):
    from tests.admin.formdata import admin_form_data

    OpcoFactory()
    uniformation = Opco.objects.create(name="Uniformation", slug="uniformation")
    add = admin_url(Provider, "add")
    page = staff_client.get(add)
    assert "opco" not in page.context["adminform"].form.fields  # shown read-only
    data = {
        **admin_form_data(page),
        "name": "Organisme nouveau",
        "slug": "organisme-nouveau",
        "email": "contact@nouveau.example.org",
        "opco": uniformation.pk,  # forged: ignored
    }
    assert staff_client.post(add, data).status_code == 302
    provider = Provider.objects.get(slug="organisme-nouveau")
    assert provider.opco.slug == "opco-sante"
    assert staff_client.get(admin_url(Provider, "change", provider.pk)).status_code == 200

    add = admin_url(OpcoContact, "add")
    data = {
        **admin_form_data(staff_client.get(add)),
        "first_name": "Léa",
        "last_name": "Durand",
        "email": "lea@opco-sante.example.org",
        "opco": uniformation.pk,
    }
    assert staff_client.post(add, data).status_code == 302
    assert OpcoContact.objects.get(email="lea@opco-sante.example.org").opco.slug == "opco-sante"


def test_the_national_administration_attaches_a_provider_to_an_opco(national_client):
    from tests.admin.formdata import admin_form_data

    provider = SessionFactory().provider
    uniformation = Opco.objects.create(name="Uniformation", slug="uniformation")
    url = admin_url(Provider, "change", provider.pk)
    data = {**admin_form_data(national_client.get(url)), "opco": uniformation.pk}

    assert national_client.post(url, data).status_code == 302
    provider.refresh_from_db()
    assert provider.opco == uniformation


def autocomplete_fields():
    """(model, field name) of every autocomplete field whose target is scoped."""
    pairs = []
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.autocomplete_fields:
            target = model._meta.get_field(name).related_model
            if target in SCOPED:
                pairs.append((model, name))
    return sorted(pairs, key=lambda pair: (pair[0]._meta.label, pair[1]))


@pytest.mark.parametrize(
    ("model", "field"),
    autocomplete_fields(),
    ids=[f"{model._meta.label}.{name}" for model, name in autocomplete_fields()],
)
def test_autocomplete_offers_no_other_opcos_object(staff_client, model, field):
    target = model._meta.get_field(field).related_model
    theirs = uniformation_world()[target]

    response = staff_client.get(
        "/admin/autocomplete/",
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
            "term": "",
        },
    )

    assert response.status_code == 200
    assert str(theirs.pk) not in {row["id"] for row in response.json()["results"]}

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from accounts.permissions import (
    NATIONAL_ADMIN_GROUP,
    NATIONAL_MODELS,
    OPCO_STAFF_GROUP,
    remove_opco_staff_group,
    sync_opco_staff_group,
)


def codenames(group):
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.django_db
def test_migration_created_the_staff_group_with_catalogue_and_enrolment_rights():
    group = Group.objects.get(name=OPCO_STAFF_GROUP)
    perms = codenames(group)

    for app_label in ("catalogue", "enrolment", "outbox"):
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.label_lower == "catalogue.opcostaff":
                continue
            if (app_label, model._meta.model_name) in NATIONAL_MODELS:
                # The national content: read only.
                assert f"{app_label}.view_{model._meta.model_name}" in perms
                assert f"{app_label}.change_{model._meta.model_name}" not in perms
                continue
            for action in ("add", "change", "delete", "view"):
                assert f"{app_label}.{action}_{model._meta.model_name}" in perms
    assert "accounts.view_user" in perms
    # Staff read which OPCO each account belongs to, and cannot move anyone (themselves
    # included) into another OPCO.
    assert {p for p in perms if p.endswith("_opcostaff")} == {"catalogue.view_opcostaff"}


@pytest.mark.django_db
def test_staff_group_cannot_add_or_change_users_nor_groups():
    perms = codenames(Group.objects.get(name=OPCO_STAFF_GROUP))

    assert {p for p in perms if not p.startswith(("catalogue.", "enrolment.", "outbox."))} == {
        "accounts.view_user"
    }


@pytest.mark.django_db
def test_syncing_the_group_twice_changes_nothing():
    before = codenames(Group.objects.get(name=OPCO_STAFF_GROUP))
    permission_count = Permission.objects.count()

    sync_opco_staff_group(apps)
    sync_opco_staff_group(apps)

    assert Group.objects.filter(name=OPCO_STAFF_GROUP).count() == 1
    assert codenames(Group.objects.get(name=OPCO_STAFF_GROUP)) == before
    assert Permission.objects.count() == permission_count


@pytest.mark.django_db
def test_sync_removes_a_permission_added_to_the_group_by_hand():
    group = Group.objects.get(name=OPCO_STAFF_GROUP)
    group.permissions.add(Permission.objects.get(codename="change_user"))

    sync_opco_staff_group(apps)

    assert "accounts.change_user" not in codenames(group)


@pytest.mark.django_db
def test_sync_recreates_missing_permissions_and_group():
    remove_opco_staff_group(apps)
    Permission.objects.filter(content_type__app_label="catalogue").delete()

    group = sync_opco_staff_group(apps)

    assert group.name == OPCO_STAFF_GROUP
    assert "catalogue.change_session" in codenames(group)


@pytest.mark.django_db
def test_national_group_edits_the_national_content_and_the_memberships():
    perms = codenames(Group.objects.get(name=NATIONAL_ADMIN_GROUP))

    for app_label, model_name in (*NATIONAL_MODELS, ("catalogue", "opcostaff")):
        for action in ("add", "change", "delete", "view"):
            assert f"{app_label}.{action}_{model_name}" in perms
    assert "catalogue.change_session" in perms
    assert {p for p in perms if p.startswith("accounts.")} == {"accounts.view_user"}

"""The "Gestionnaires OPCO" group: the rights OPCO staff need to run the catalogue; and the
"Administration nationale" group, which also edits the national content.

`sync_opco_staff_group` takes an app registry (the historical one in a migration, the global one
elsewhere) so that every migration adding models can call it again.
"""

from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

OPCO_STAFF_GROUP = "Gestionnaires OPCO"
# Superusers' peers for the national content: its members see every OPCO's programme and edit
# the modules, sequences, OPCOs, partners and staff memberships.
NATIONAL_ADMIN_GROUP = "Administration nationale"

# Staff manage every model of these apps.
MANAGED_APPS = ("catalogue", "enrolment", "outbox")
MANAGED_ACTIONS = ("add", "change", "delete", "view")

# Staff only look at these: change or add on users would let them make themselves superuser,
# and on OPCO memberships move themselves into another OPCO's programme.
VIEW_ONLY_MODELS = (("accounts", "user"), ("catalogue", "opcostaff"))
# The national content: every OPCO's programme reads it, the national administration edits it.
NATIONAL_MODELS = (
    ("catalogue", "module"),
    ("catalogue", "sequence"),
    ("catalogue", "moduleday"),
    ("catalogue", "opco"),
    ("catalogue", "fundingpartner"),
)


def create_missing_permissions(apps, *, using=DEFAULT_DB_ALIAS):
    """Create the permissions of every model known to `apps`.

    Django creates them after migrations (post_migrate), too late for a data migration that
    hands them out. Historical app configs have no models module, which create_permissions reads
    as "no models": lend them one for the call.
    """
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=using)
        finally:
            if stub:
                app_config.models_module = None


def opco_staff_permission_keys(apps, *, national=False):
    """(app_label, codename) of every permission the group holds: the OPCO staff's, or with
    `national` the national administration's (which also edits the national content and the
    staff memberships)."""
    view_only = () if national else (*VIEW_ONLY_MODELS, *NATIONAL_MODELS)
    keys = set()
    for app_label in MANAGED_APPS:
        try:
            app_config = apps.get_app_config(app_label)
        except LookupError:
            # A migration's registry before the app's first model: nothing to give yet (the
            # migration that adds its models syncs the group again).
            continue
        for model in app_config.get_models():
            if (app_label, model._meta.model_name) in view_only:
                continue
            for action in MANAGED_ACTIONS:
                keys.add((app_label, f"{action}_{model._meta.model_name}"))
    # Everyone reads the national content and the accounts.
    for app_label, model_name in (*VIEW_ONLY_MODELS, *NATIONAL_MODELS):
        try:
            apps.get_model(app_label, model_name)
        except LookupError:
            continue  # not created yet at this migration
        keys.add((app_label, f"view_{model_name}"))
    return keys


def sync_opco_staff_group(apps, *, using=DEFAULT_DB_ALIAS):
    """Create both groups if needed and give each exactly its permissions: the OPCO staff's
    (returned) and the national administration's. Idempotent: a permission added by hand to
    a group is removed, so the groups never drift. Every migration that adds models calls it."""
    create_missing_permissions(apps, using=using)
    group = _sync_group(apps, using=using, name=OPCO_STAFF_GROUP, national=False)
    _sync_group(apps, using=using, name=NATIONAL_ADMIN_GROUP, national=True)
    return group


def _sync_group(apps, *, using, name, national):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    keys = opco_staff_permission_keys(apps, national=national)
    permissions = [
        permission
        for permission in Permission.objects.using(using)
        .filter(content_type__app_label__in={app_label for app_label, _ in keys})
        .select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in keys
    ]
    missing = keys - {(p.content_type.app_label, p.codename) for p in permissions}
    if missing:
        raise LookupError(f"Permissions not found: {sorted(missing)}")

    group, _ = Group.objects.using(using).get_or_create(name=name)
    group.permissions.set(permissions)
    return group


def remove_opco_staff_group(apps, *, using=DEFAULT_DB_ALIAS):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(using).filter(name__in=[OPCO_STAFF_GROUP, NATIONAL_ADMIN_GROUP]).delete()

"""The "Administration nationale" group, which edits the national content (modules, sequences,
module days, OPCOs, partners, staff memberships); the "Gestionnaires OPCO" group now only reads
it."""

from django.db import migrations

from accounts.permissions import NATIONAL_ADMIN_GROUP, sync_opco_staff_group


def sync_groups(apps, schema_editor):
    sync_opco_staff_group(apps, using=schema_editor.connection.alias)


def delete_national_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=NATIONAL_ADMIN_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_opco_staff_group"),
        ("catalogue", "0006_opco_programme_legal_representative"),
        ("enrolment", "0010_attendance_status_session_change_request"),
        ("outbox", "0002_copy_enrolment_outboxmail"),
    ]

    operations = [migrations.RunPython(sync_groups, delete_national_group)]

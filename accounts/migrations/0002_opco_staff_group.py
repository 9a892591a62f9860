from django.db import migrations

from accounts.permissions import remove_opco_staff_group, sync_opco_staff_group


def create_group(apps, schema_editor):
    sync_opco_staff_group(apps, using=schema_editor.connection.alias)


def delete_group(apps, schema_editor):
    remove_opco_staff_group(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalogue", "0003_french_unaccent_search"),
        ("enrolment", "0002_enrolment_workflow_and_outbox"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]

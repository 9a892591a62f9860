from django.db import migrations

from accounts.permissions import sync_opco_staff_group


def sync_group(apps, schema_editor):
    # The staff group manages every enrolment model: give it the new models' permissions.
    sync_opco_staff_group(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_opco_staff_group"),
        ("enrolment", "0003_jobs_reminders_attendance_satisfaction"),
    ]

    operations = [migrations.RunPython(sync_group, migrations.RunPython.noop)]

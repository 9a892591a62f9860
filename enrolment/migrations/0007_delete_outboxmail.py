"""The outbox moved to its own app: outbox 0002 has copied the mails into outbox.OutboxMail."""

from django.db import migrations

from accounts.permissions import sync_opco_staff_group


def sync_group(apps, schema_editor):
    # The staff group follows the mails to the outbox app (accounts.permissions.MANAGED_APPS)
    # and loses the permissions of the deleted model.
    sync_opco_staff_group(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_opco_staff_group"),
        ("enrolment", "0006_transition"),
        ("outbox", "0002_copy_enrolment_outboxmail"),
    ]

    operations = [
        migrations.DeleteModel(name="OutboxMail"),
        migrations.RunPython(sync_group, migrations.RunPython.noop),
    ]

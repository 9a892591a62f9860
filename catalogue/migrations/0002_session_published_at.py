from django.db import migrations, models
from django.db.models import F


def set_published_at_of_published_sessions(apps, schema_editor):
    # Sessions published before the field existed: their last change is the best known date.
    Session = apps.get_model("catalogue", "Session")
    Session.objects.filter(status="published", published_at__isnull=True).update(
        published_at=F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="published_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="publiée le"
            ),
        ),
        migrations.RunPython(set_published_at_of_published_sessions, migrations.RunPython.noop),
    ]

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

# An accent-insensitive French configuration: "orleans" and "Orléans" give the same lexeme.
CREATE_CONFIGURATION = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""
DROP_CONFIGURATION = "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent;"


def create_configuration(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_CONFIGURATION)


def drop_configuration(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_CONFIGURATION)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0002_session_published_at"),
    ]

    operations = [
        # CreateExtension does nothing on other databases (SQLite: see catalogue/apps.py).
        UnaccentExtension(),
        migrations.RunPython(create_configuration, drop_configuration),
    ]

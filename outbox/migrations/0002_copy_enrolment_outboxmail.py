"""Copy the mails of enrolment's former outbox table into this one, before enrolment 0007
deletes it: same ids, kinds, recipients, statuses, dedup keys, counters and times. The row a
mail was about becomes `about`: its enrolment if it had one, else its reminder request, else
its session. The admin's history lines about the mails follow them (same ids, new content
type), so that retention still finds them. One INSERT ... SELECT, so that the timestamps are
copied as they are (the ORM would stamp auto_now fields) and a large table copies at once.

Reversible: the rows go back to the old table (enrolment 0007 unapplied first recreates it)."""

from django.core.management.color import no_style
from django.db import migrations

# The columns both tables have, under the same names.
COMMON = (
    "id",
    "kind",
    "recipient",
    "subject",
    "note",
    "dedup_key",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "updated_at",
    "claimed_at",
    "sent_at",
)
# What a mail may be about, in order of preference, and the old table's column for each.
ABOUT = (
    ("enrolment", "enrolment", "enrolment"),
    ("enrolment", "remindersubscription", "subscription"),
    ("catalogue", "session", "session"),
)


def _content_type(apps, using, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.using(using).get_or_create(
        app_label=app_label, model=model
    )
    return content_type


def _history_move(apps, using, *, source, target):
    """Point the admin's history lines of one model's rows at the other's content type."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    old = ContentType.objects.using(using).filter(app_label=source, model="outboxmail").first()
    if old is None or not LogEntry.objects.using(using).filter(content_type=old).exists():
        return
    new = _content_type(apps, using, target, "outboxmail")
    LogEntry.objects.using(using).filter(content_type=old).update(content_type=new)


def _sequence_reset(schema_editor, model):
    # Rows inserted with their ids leave PostgreSQL's identity sequence behind (SQLite's
    # AUTOINCREMENT follows by itself; it returns no statement).
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def copy_forward(apps, schema_editor):
    Old = apps.get_model("enrolment", "OutboxMail")
    New = apps.get_model("outbox", "OutboxMail")
    using = schema_editor.connection.alias
    quote = schema_editor.quote_name
    if Old.objects.using(using).exists():
        cases, params, columns = [], [], []
        for app_label, model, field in ABOUT:
            column = quote(Old._meta.get_field(field).column)
            cases.append(f"WHEN {column} IS NOT NULL THEN %s")
            params.append(_content_type(apps, using, app_label, model).pk)
            columns.append(column)
        common = ", ".join(quote(name) for name in COMMON)
        sql = (
            f"INSERT INTO {quote(New._meta.db_table)} "
            f"({common}, {quote('content_type_id')}, {quote('object_id')}) "
            f"SELECT {common}, CASE {' '.join(cases)} END, COALESCE({', '.join(columns)}) "
            f"FROM {quote(Old._meta.db_table)}"
        )
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql, params)
        _sequence_reset(schema_editor, New)
    _history_move(apps, using, source="enrolment", target="outbox")


def copy_backward(apps, schema_editor):
    Old = apps.get_model("enrolment", "OutboxMail")
    New = apps.get_model("outbox", "OutboxMail")
    Enrolment = apps.get_model("enrolment", "Enrolment")
    ReminderSubscription = apps.get_model("enrolment", "ReminderSubscription")
    using = schema_editor.connection.alias
    quote = schema_editor.quote_name
    if New.objects.using(using).exists():
        enrolment, subscription, session = (
            _content_type(apps, using, app_label, model).pk for app_label, model, _ in ABOUT
        )

        def session_of(model):
            # The old rows named the session of an enrolment's or a request's mail too.
            table = quote(model._meta.db_table)
            return (
                f"(SELECT {table}.{quote('session_id')} FROM {table} WHERE {table}.{quote('id')}"
                f" = {quote(New._meta.db_table)}.{quote('object_id')})"
            )

        common = ", ".join(quote(name) for name in COMMON)
        ct = quote("content_type_id")
        sql = (
            f"INSERT INTO {quote(Old._meta.db_table)} "
            f"({common}, {quote('enrolment_id')}, {quote('subscription_id')}, "
            f"{quote('session_id')}) "
            f"SELECT {common}, "
            f"CASE WHEN {ct} = %s THEN {quote('object_id')} END, "
            f"CASE WHEN {ct} = %s THEN {quote('object_id')} END, "
            f"CASE WHEN {ct} = %s THEN {quote('object_id')} "
            f"WHEN {ct} = %s THEN {session_of(Enrolment)} "
            f"WHEN {ct} = %s THEN {session_of(ReminderSubscription)} END "
            f"FROM {quote(New._meta.db_table)}"
        )
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql, [enrolment, subscription, session, enrolment, subscription])
        New.objects.using(using).all().delete()
        _sequence_reset(schema_editor, Old)
    _history_move(apps, using, source="outbox", target="enrolment")


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("enrolment", "0005_outboxmail_disability_needs_kind"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(copy_forward, copy_backward)]

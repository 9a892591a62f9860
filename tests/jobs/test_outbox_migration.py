"""The outbox's move to its own app: outbox 0002 copies the rows of enrolment's former table,
each about its enrolment, else its reminder request, else its session, with its id, status,
dedup key and times; enrolment 0007 then deletes the old table."""

import datetime

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from enrolment.models import ReminderSubscription
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_COPY = [("enrolment", "0006_transition"), ("outbox", "0001_initial")]
LONG_AGO = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.fixture
def rows():
    """Rows the old mails are about, made with today's models, before migrating back."""
    enrolment = EnrolmentFactory()
    request = ReminderSubscription.objects.create(
        session=enrolment.session, email="lea@ccas.example.org"
    )
    return enrolment, request, SessionFactory()


@pytest.fixture
def old_outbox(rows):
    """The database as it was before the copy; migrated to the end again afterwards."""
    executor = _migrate(BEFORE_COPY)
    yield executor.loader.project_state(BEFORE_COPY).apps.get_model("enrolment", "OutboxMail")
    _migrate()


def test_old_outbox_rows_are_copied_with_what_they_are_about(rows, old_outbox):
    enrolment, request, session = rows
    about_enrolment = old_outbox.objects.create(
        kind="convocation",
        recipient=enrolment.trainee.email,
        enrolment_id=enrolment.pk,
        session_id=enrolment.session_id,
        dedup_key=f"convocation:{enrolment.pk}",
        status="sent",
        attempts=2,
        subject="Convocation",
        sent_at=LONG_AGO,
    )
    about_request = old_outbox.objects.create(
        kind="reminder",
        recipient=request.email,
        subscription_id=request.pk,
        session_id=request.session_id,
        status="failed",
        attempts=8,
        last_error="SMTPRecipientsRefused 550",
    )
    about_session = old_outbox.objects.create(
        kind="minimum_alert",
        recipient="opco@example.org",
        session_id=session.pk,
        note="Une note",
    )
    old_outbox.objects.update(created_at=LONG_AGO, updated_at=LONG_AGO)
    old_type, _ = ContentType.objects.get_or_create(app_label="enrolment", model="outboxmail")
    history = LogEntry.objects.create(
        user=UserFactory(),
        content_type=old_type,
        object_id=str(about_enrolment.pk),
        object_repr=f"Convocation → {enrolment.trainee.email}",
        action_flag=DELETION,
    )

    _migrate()

    copied = {mail.pk: mail for mail in OutboxMail.objects.all()}
    assert set(copied) == {about_enrolment.pk, about_request.pk, about_session.pk}
    mail = copied[about_enrolment.pk]
    assert mail.about == enrolment
    assert (mail.kind, mail.recipient, mail.status, mail.attempts) == (
        "convocation",
        enrolment.trainee.email,
        "sent",
        2,
    )
    assert (mail.dedup_key, mail.subject, mail.sent_at) == (
        f"convocation:{enrolment.pk}",
        "Convocation",
        LONG_AGO,
    )
    assert (mail.created_at, mail.updated_at) == (LONG_AGO, LONG_AGO)
    assert list(OutboxMail.objects.filter(enrolment=enrolment)) == [mail]
    mail = copied[about_request.pk]
    assert mail.about == request
    assert (mail.status, mail.attempts, mail.last_error) == (
        "failed",
        8,
        "SMTPRecipientsRefused 550",
    )
    mail = copied[about_session.pk]
    assert mail.about == session
    assert (mail.kind, mail.note, mail.dedup_key) == ("minimum_alert", "Une note", None)
    history.refresh_from_db()
    assert history.content_type == ContentType.objects.get_for_model(OutboxMail)
    # New rows take ids after the copied ones (PostgreSQL's sequence was moved on).
    new = OutboxMail.objects.create(kind="link", recipient="lea@ccas.example.org")
    assert new.pk > max(copied)
    assert new.created_at > timezone.now() - datetime.timedelta(minutes=1)

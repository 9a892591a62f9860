"""Queuing a mail: the outbox's entry point for the domains (which wrap it with their own
recipients and rows: enrolment.mails.mail_queue)."""

from django.db import IntegrityError, models, transaction

from .models import OutboxMail
from .tasks import outbox_enqueue_on_commit


def mail_queue(
    *,
    kind: str,
    recipient: str,
    about: models.Model | None = None,
    note: str = "",
    dedup_key: str | None = None,
) -> OutboxMail | None:
    """Write the outbox row in the current transaction and send it after commit. If the
    transaction rolls back, the row and the sending vanish together. `about` is the row the
    kind's builder reads when the mail leaves.

    With a `dedup_key`, a row that already has the key means this mail was queued before
    (a job that runs twice, two beats at once): nothing is written and None is returned."""
    mail = OutboxMail(
        kind=kind,
        recipient=recipient,
        about=about,
        note=note,
        dedup_key=dedup_key,
    )
    if dedup_key is None:
        mail.save()
    else:
        try:
            # A savepoint: a conflict undoes this insert only, not the caller's transaction.
            # On PostgreSQL a concurrent insert of the same key waits for the other
            # transaction, then conflicts if it committed.
            with transaction.atomic():
                mail.save()
        except IntegrityError:
            if OutboxMail.objects.filter(dedup_key=dedup_key).exists():
                return None
            raise
    outbox_enqueue_on_commit(mail.pk)
    return mail

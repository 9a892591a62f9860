"""The "Me rappeler avant la date limite" requests: subscribe, confirm (double opt-in),
unsubscribe. The answers shown to the person are the same whatever happened, so that the
form tells no one whether an address has asked before."""

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from .mails import MailKind, mail_queue
from .models import ReminderSubscription
from .selectors import registration_closed_reason, session_for_enrolment


def _active_subscription(*, session_id: int, email: str) -> ReminderSubscription | None:
    # Through lower(email), the expression of the unique index.
    return (
        ReminderSubscription.objects.alias(email_lower=Lower("email"))
        .filter(session_id=session_id, email_lower=email.lower(), unsubscribed_at__isnull=True)
        .first()
    )


def reminder_subscribe(*, session_id: int, email: str) -> ReminderSubscription | None:
    """Record a request and mail its confirmation link. An address that already confirmed
    gets nothing more; one still unconfirmed gets the link again, at most once a day (the
    form is rate-limited per IP, this limits per address). Returns None when registration is
    closed (the caller shows the same page anyway)."""
    email = email.strip()
    session = session_for_enrolment(pk=session_id)
    if registration_closed_reason(session) is not None:
        return None
    with transaction.atomic():
        subscription = _active_subscription(session_id=session_id, email=email)
        if subscription is None:
            subscription = ReminderSubscription(session=session, email=email)
            subscription.full_clean(validate_constraints=False)
            try:
                # Two requests at once: the unique index lets one through; the other reads it.
                with transaction.atomic():
                    subscription.save()
            except IntegrityError:
                subscription = _active_subscription(session_id=session_id, email=email)
                if subscription is None:
                    raise
        if subscription.confirmed_at is None:
            mail_queue(
                kind=MailKind.REMINDER_CONFIRM,
                subscription=subscription,
                session=session,
                dedup_key=f"reminder_confirm:{subscription.pk}:{timezone.localdate()}",
            )
    return subscription


def reminder_confirm(*, subscription_id: int) -> ReminderSubscription:
    """Confirm a request from its mailed link. Confirming twice changes nothing; an
    unsubscribed request stays unsubscribed. Raises ReminderSubscription.DoesNotExist."""
    with transaction.atomic():
        subscription = ReminderSubscription.objects.select_for_update().get(pk=subscription_id)
        if subscription.confirmed_at is None and subscription.unsubscribed_at is None:
            subscription.confirmed_at = timezone.now()
            subscription.save(update_fields=["confirmed_at"])
    return subscription


def reminder_unsubscribe(*, subscription_id: int) -> ReminderSubscription | None:
    """Stop the reminders of a request (one click from any of its mails). Idempotent; None when
    the request no longer exists (deleted once the session is over)."""
    now = timezone.now()
    ReminderSubscription.objects.filter(pk=subscription_id, unsubscribed_at__isnull=True).update(
        unsubscribed_at=now
    )
    return ReminderSubscription.objects.filter(pk=subscription_id).first()

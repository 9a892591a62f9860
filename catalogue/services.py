"""Writes of the catalogue."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Session


@transaction.atomic
def session_publish(*, session: Session) -> Session:
    """Publish a session: it enters the public catalogue. `published_at` keeps the first
    publication, so that a session cancelled later still shows its page (as cancelled)."""
    if session.status == Session.Status.CANCELLED:
        raise ValidationError(_("Une session annulée ne peut pas être publiée."))
    if not session.days.exists():
        raise ValidationError(_("Une session doit avoir au moins une journée pour être publiée."))
    session.status = Session.Status.PUBLISHED
    if session.published_at is None:
        session.published_at = timezone.now()
    session.full_clean()
    session.save()
    return session

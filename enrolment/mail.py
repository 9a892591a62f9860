"""The outbox. Every mail is a row written in the transaction of the change that causes it and
sent by a Celery task once that transaction has committed; a row is sent at most once.

Bodies are rendered when the mail leaves, from the row's kind and enrolment, rather than stored
when it is queued: the rows stay small and hold no copy of personal data (erasing a trainee
needs no scrubbing of old bodies), a template fix reaches the mails still queued, and the
rendering (templates, .ics) happens outside the session lock. The price: a mail shows the
enrolment as it is when it leaves, seconds after the event; a mail whose cause was undone in
between (an offer already lapsed or taken) is not sent but marked "skipped".
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalogue.ics import session_calendar, session_location

from .links import enrolment_link_url
from .models import Enrolment, OutboxMail
from .selectors import enrolment_for_page, module_requires_prerequisite, waitlist_position

logger = logging.getLogger(__name__)

Kind = OutboxMail.Kind

# The mails that carry the session's calendar.
ICS_KINDS = {Kind.CONFIRMATION, Kind.LINK, Kind.VALIDATED, Kind.OFFER}


def mail_queue(
    *,
    kind: str,
    enrolment: Enrolment | None = None,
    session=None,
    recipient: str | None = None,
) -> OutboxMail:
    """Write the outbox row in the current transaction and send it after commit. If the
    transaction rolls back, the row and the sending vanish together."""
    from .tasks import send_outbox_mail

    if recipient is None:
        recipient = enrolment.trainee.email
    if session is None and enrolment is not None:
        session = enrolment.session
    mail = OutboxMail.objects.create(
        kind=kind, recipient=recipient, enrolment=enrolment, session=session
    )
    # robust: a broker that is down must not turn a committed enrolment into an error page;
    # the row stays queued for the sweeper.
    transaction.on_commit(partial(send_outbox_mail.delay, mail.pk), robust=True)
    return mail


def outbox_send(*, mail_id: int) -> bool:
    """Send one outbox row unless it is already sent or being sent; True if this call sent it.

    Call outside any transaction: the claim (queued or failed -> sending) must be committed
    before the SMTP conversation, so that a duplicate task finds the row taken and sends
    nothing. Raises on a sending error after marking the row failed (the task retries)."""
    now = timezone.now()
    claimed = OutboxMail.objects.filter(
        pk=mail_id, status__in=[OutboxMail.Status.QUEUED, OutboxMail.Status.FAILED]
    ).update(
        status=OutboxMail.Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        updated_at=now,
    )
    if not claimed:
        return False
    mail = OutboxMail.objects.get(pk=mail_id)
    try:
        message = outbox_message(mail)
        if message is None:
            OutboxMail.objects.filter(pk=mail_id).update(
                status=OutboxMail.Status.SKIPPED, updated_at=timezone.now()
            )
            return False
        message.send()
    except Exception as exc:
        OutboxMail.objects.filter(pk=mail_id).update(
            status=OutboxMail.Status.FAILED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            updated_at=timezone.now(),
        )
        logger.warning("Outbox mail %s failed: %s", mail_id, type(exc).__name__)
        raise
    sent_at = timezone.now()
    OutboxMail.objects.filter(pk=mail_id).update(
        status=OutboxMail.Status.SENT,
        subject=message.subject[:250],
        sent_at=sent_at,
        updated_at=sent_at,
    )
    return True


def _still_relevant(kind: str, enrolment: Enrolment) -> bool:
    """Whether what the mail announces is still true when it leaves."""
    if kind == Kind.OFFER:
        return enrolment.has_outstanding_offer
    if kind == Kind.VALIDATED:
        return enrolment.status == Enrolment.Status.CONFIRMED
    if kind == Kind.OFFER_EXPIRED:
        return enrolment.status == Enrolment.Status.WAITLISTED
    if kind in (Kind.CONFIRMATION, Kind.LINK):
        return enrolment.is_active
    return True


def session_title(session) -> str:
    return _("Module %(number)d, %(label)s à %(city)s") % {
        "number": session.module.number,
        "label": session.label,
        "city": session.city,
    }


def _subject(kind: str, enrolment: Enrolment, position: int | None) -> str:
    title = session_title(enrolment.session)
    if kind == Kind.CONFIRMATION:
        if enrolment.status == Enrolment.Status.CONFIRMED:
            return _("Inscription confirmée – %(title)s") % {"title": title}
        if enrolment.status == Enrolment.Status.PENDING:
            return _("Inscription enregistrée, à valider – %(title)s") % {"title": title}
        return _("Liste d'attente, position %(position)d – %(title)s") % {
            "position": position,
            "title": title,
        }
    subjects = {
        Kind.LINK: _("Votre lien personnel – %(title)s"),
        Kind.VALIDATED: _("Inscription validée – %(title)s"),
        Kind.REFUSED: _("Inscription non retenue – %(title)s"),
        Kind.CANCELLED: _("Inscription annulée – %(title)s"),
        Kind.OFFER: _("Une place s'est libérée – %(title)s"),
        Kind.OFFER_EXPIRED: _("Proposition de place expirée – %(title)s"),
    }
    return subjects[kind] % {"title": title}


def outbox_message(mail: OutboxMail) -> EmailMultiAlternatives | None:
    """The French message of an outbox row, HTML and plain text, with the session's .ics where
    it helps; None when the mail no longer has a purpose."""
    enrolment = enrolment_for_page(pk=mail.enrolment_id)
    if not _still_relevant(mail.kind, enrolment):
        return None
    session = enrolment.session
    position = waitlist_position(enrolment)
    context = {
        "kind": mail.kind,
        "enrolment": enrolment,
        "trainee": enrolment.trainee,
        "session": session,
        "session_title": session_title(session),
        "days": session.sorted_days,
        "location": session_location(session),
        "provider": session.provider,
        "opco_contact": session.opco_contact,
        "position": position,
        "requires_prerequisite": module_requires_prerequisite(session.module),
        "link_url": enrolment_link_url(enrolment),
        "session_url": settings.SITE_URL + session.get_absolute_url(),
        "site_url": settings.SITE_URL,
        "offer_hours": settings.WAITLIST_OFFER_HOURS,
    }
    with translation.override("fr"):
        subject = _subject(mail.kind, enrolment, position)
        context["subject"] = subject
        text = render_to_string(f"emails/{mail.kind}.txt", context)
        html = render_to_string(f"emails/{mail.kind}.html", context)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[mail.recipient],
            reply_to=[session.opco_contact.email] if session.opco_contact else None,
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(html, "text/html")
        if mail.kind in ICS_KINDS:
            message.attach("formation.ics", session_calendar(session), "text/calendar")
    return message

"""The outbox. Every mail is a row written in the transaction of the change that causes it and
sent by a Celery task once that transaction has committed.

What the outbox guarantees: a row marked sent is never sent again, and two workers never send
one row at the same time (the claim, queued or failed -> sending, is one committed UPDATE; the
sweeper takes back only rows left sending longer than a task may live). What it does not:
delivery is at-least-once at the SMTP level. A server that accepts the message then fails on
QUIT, or a worker that dies once the server has it, leaves the row failed or stuck sending,
and the retry may send that mail a second time.

Bodies are rendered when the mail leaves, from the row's kind and the rows it points to (an
enrolment, a session, a reminder subscription), rather than stored when it is queued: the rows
stay small and hold no copy of personal data (erasing a trainee needs no scrubbing of old
bodies), a template fix reaches the mails still queued, and the rendering (templates, .ics)
happens outside the session lock. The price: a mail shows its rows as they are when it leaves,
seconds after the event; a mail whose cause was undone in between (an offer already lapsed or
taken, a session cancelled before its convocation) is not sent but marked "skipped".

Each kind has a builder (`@builds`) that reads the rows and returns the subject and the
templates' context, or None when the mail has lost its purpose; `emails/<kind>.txt` and
`.html` are its templates.
"""

import dataclasses
import logging
import smtplib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.formats import long_date
from catalogue.ics import session_calendar, session_location
from catalogue.models import Session

from .job_selectors import (
    email_enrolled_in_session,
    satisfaction_open,
    session_counts,
)
from .links import enrolment_link_url, enrolment_token
from .models import Enrolment, OutboxMail, ReminderSubscription
from .reminder_links import confirm_url, unsubscribe_url
from .selectors import (
    enrolment_for_page,
    module_requires_prerequisite,
    other_open_sessions,
    registration_closed_reason,
    session_for_enrolment,
    session_has_started,
    waitlist_position,
)

logger = logging.getLogger(__name__)

Kind = OutboxMail.Kind


def mail_queue(
    *,
    kind: str,
    enrolment: Enrolment | None = None,
    session: Session | None = None,
    subscription: ReminderSubscription | None = None,
    recipient: str | None = None,
    note: str = "",
    dedup_key: str | None = None,
) -> OutboxMail | None:
    """Write the outbox row in the current transaction and send it after commit. If the
    transaction rolls back, the row and the sending vanish together.

    With a `dedup_key`, a row that already has the key means this mail was queued before
    (a job that runs twice, two beats at once): nothing is written and None is returned."""
    if recipient is None:
        recipient = enrolment.trainee.email if enrolment is not None else subscription.email
    if session is None:
        if enrolment is not None:
            session = enrolment.session
        elif subscription is not None:
            session = subscription.session
    mail = OutboxMail(
        kind=kind,
        recipient=recipient,
        enrolment=enrolment,
        session=session,
        subscription=subscription,
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


def outbox_enqueue_on_commit(mail_id: int) -> None:
    """Hand the row to a worker (the mail queue) once the current transaction commits.

    robust: a broker that is down must not turn a committed change into an error page; the
    row stays queued for the sweeper. A named function rather than functools.partial: Django
    logs a robust callback's failure with its __qualname__, which a partial lacks."""

    def enqueue():
        from .tasks import send_outbox_mail

        send_outbox_mail.delay(mail_id)

    transaction.on_commit(enqueue, robust=True)


def outbox_send(*, mail_id: int) -> bool:
    """Send one outbox row unless it is already sent, being sent, or failed
    OUTBOX_MAX_ATTEMPTS times; True if this call sent it.

    Call outside any transaction: the claim (queued or failed -> sending) must be committed
    before the SMTP conversation, so that a duplicate task finds the row taken and sends
    nothing. Raises on a sending error after marking the row failed (the task retries)."""
    now = timezone.now()
    Status = OutboxMail.Status
    # A row failed OUTBOX_MAX_ATTEMPTS times stays failed, for staff to see: a late task
    # retry or a duplicate message must not try it again.
    claimable = Q(status=Status.QUEUED) | Q(
        status=Status.FAILED, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
    )
    claimed = OutboxMail.objects.filter(claimable, pk=mail_id).update(
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
            last_error=mail_error_summary(exc),
            updated_at=timezone.now(),
        )
        logger.warning("Outbox mail %s failed: %s", mail_id, mail_error_summary(exc))
        raise
    sent_at = timezone.now()
    OutboxMail.objects.filter(pk=mail_id).update(
        status=OutboxMail.Status.SENT,
        subject=message.subject[:250],
        sent_at=sent_at,
        updated_at=sent_at,
    )
    return True


class OutboxSendError(Exception):
    """A sending error told without its text (`mail_error_summary`): what Celery logs and keeps
    of a retried task."""


def mail_error_summary(exc: BaseException) -> str:
    """The error's type and its SMTP code or errno, never its text: an SMTP server's reply
    often quotes the recipient's address ("550 no such user lea@..."), and the summary goes to
    the logs and to the row that staff read."""
    codes: list[int] = []
    if isinstance(exc, smtplib.SMTPResponseException):
        codes = [exc.smtp_code]
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _message in exc.recipients.values()})
    elif isinstance(exc, OSError) and exc.errno is not None:
        codes = [exc.errno]
    return " ".join([type(exc).__name__, *(str(code) for code in codes)])


@dataclasses.dataclass
class Draft:
    """What a kind's builder makes of a row: the subject and the templates' context."""

    subject: str
    context: dict[str, Any]
    # Attach this session's .ics.
    calendar: Session | None = None
    reply_to: list[str] | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


Builder = Callable[[OutboxMail], Draft | None]
_BUILDERS: dict[str, Builder] = {}


def builds(*kinds: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        for kind in kinds:
            _BUILDERS[kind] = builder
        return builder

    return register


def outbox_message(mail: OutboxMail) -> EmailMultiAlternatives | None:
    """The French message of an outbox row, HTML and plain text, with the session's .ics where
    it helps; None when the mail no longer has a purpose."""
    with translation.override("fr"):
        draft = _BUILDERS[mail.kind](mail)
        if draft is None:
            return None
        context = {
            "kind": mail.kind,
            "site_url": settings.SITE_URL,
            **draft.context,
            "subject": draft.subject,
        }
        text = render_to_string(f"emails/{mail.kind}.txt", context)
        html = render_to_string(f"emails/{mail.kind}.html", context)
        message = EmailMultiAlternatives(
            subject=draft.subject,
            body=text,
            to=[mail.recipient],
            reply_to=draft.reply_to,
            headers={"Auto-Submitted": "auto-generated", **draft.headers},
        )
        message.attach_alternative(html, "text/html")
        if draft.calendar is not None:
            message.attach("formation.ics", session_calendar(draft.calendar), "text/calendar")
    return message


def session_title(session) -> str:
    return _("Module %(number)d, %(label)s à %(city)s") % {
        "number": session.module.number,
        "label": session.label,
        "city": session.city,
    }


def _session_context(session: Session) -> dict[str, Any]:
    """What every mail about a session shows of it. Reads the days, module, provider and OPCO
    contact: load the session with them (selectors.session_for_enrolment)."""
    return {
        "session": session,
        "session_title": session_title(session),
        "days": session.sorted_days,
        "location": session_location(session),
        "provider": session.provider,
        "opco_contact": session.opco_contact,
        "session_url": settings.SITE_URL + session.get_absolute_url(),
        "closes_on": session.registration_closes_on,
    }


def _opco_reply_to(session: Session) -> list[str] | None:
    return [session.opco_contact.email] if session.opco_contact else None


def _enrolment_context(enrolment: Enrolment) -> dict[str, Any]:
    session = enrolment.session
    return {
        **_session_context(session),
        "enrolment": enrolment,
        "trainee": enrolment.trainee,
        "position": waitlist_position(enrolment),
        "requires_prerequisite": module_requires_prerequisite(session.module),
        "link_url": enrolment_link_url(enrolment),
        "offer_hours": settings.WAITLIST_OFFER_HOURS,
    }


# The enrolment's own news: created, validated, refused, cancelled, offers.
ENROLMENT_SUBJECTS = {
    Kind.LINK: gettext_lazy("Votre lien personnel – %(title)s"),
    Kind.VALIDATED: gettext_lazy("Inscription validée – %(title)s"),
    Kind.REFUSED: gettext_lazy("Inscription non retenue – %(title)s"),
    Kind.CANCELLED: gettext_lazy("Inscription annulée – %(title)s"),
    Kind.OFFER: gettext_lazy("Une place s'est libérée – %(title)s"),
    Kind.OFFER_EXPIRED: gettext_lazy("Proposition de place expirée – %(title)s"),
}
# The mails that carry the session's calendar.
ICS_KINDS = {Kind.CONFIRMATION, Kind.LINK, Kind.VALIDATED, Kind.OFFER}


def _still_relevant(kind: str, enrolment: Enrolment) -> bool:
    """Whether what the mail announces is still true when it leaves."""
    if kind == Kind.OFFER:
        return enrolment.has_outstanding_offer
    if kind == Kind.VALIDATED:
        return enrolment.status == Enrolment.Status.CONFIRMED
    if kind == Kind.OFFER_EXPIRED:
        # A new offer made since then says more.
        return (
            enrolment.status == Enrolment.Status.WAITLISTED and not enrolment.has_outstanding_offer
        )
    if kind in (Kind.CONFIRMATION, Kind.LINK):
        return enrolment.is_active
    return True


def _confirmation_subject(enrolment: Enrolment, position: int | None, title: str) -> str:
    if enrolment.status == Enrolment.Status.CONFIRMED:
        return _("Inscription confirmée – %(title)s") % {"title": title}
    if enrolment.status == Enrolment.Status.PENDING:
        return _("Inscription enregistrée, à valider – %(title)s") % {"title": title}
    return _("Liste d'attente, position %(position)d – %(title)s") % {
        "position": position,
        "title": title,
    }


@builds(Kind.CONFIRMATION, *ENROLMENT_SUBJECTS)
def _enrolment_news(mail: OutboxMail) -> Draft | None:
    enrolment = enrolment_for_page(pk=mail.enrolment_id)
    if not _still_relevant(mail.kind, enrolment):
        return None
    context = _enrolment_context(enrolment)
    title = context["session_title"]
    if mail.kind == Kind.CONFIRMATION:
        subject = _confirmation_subject(enrolment, context["position"], title)
    else:
        subject = ENROLMENT_SUBJECTS[mail.kind] % {"title": title}
    return Draft(
        subject=subject,
        context=context,
        calendar=enrolment.session if mail.kind in ICS_KINDS else None,
        reply_to=_opco_reply_to(enrolment.session),
    )


@builds(Kind.CONVOCATION)
def _convocation(mail: OutboxMail) -> Draft | None:
    """The notice training rules require before the session (Qualiopi indicator 9)."""
    enrolment = enrolment_for_page(pk=mail.enrolment_id)
    session = enrolment.session
    if (
        enrolment.status != Enrolment.Status.CONFIRMED
        or session.status != Session.Status.PUBLISHED
        or session_has_started(session)
    ):
        return None
    context = {
        **_enrolment_context(enrolment),
        "trainers": list(session.trainers.order_by("last_name", "first_name")),
        "inter_session_work": session.fiche_inter_session_work,
    }
    return Draft(
        subject=_("Convocation – %(title)s") % {"title": context["session_title"]},
        context=context,
        calendar=session,
        reply_to=_opco_reply_to(session),
    )


@builds(Kind.SESSION_CANCELLED)
def _session_cancelled(mail: OutboxMail) -> Draft | None:
    enrolment = enrolment_for_page(pk=mail.enrolment_id)
    session = enrolment.session
    if session.status != Session.Status.CANCELLED:
        return None
    others = other_open_sessions(session)
    context = {
        **_enrolment_context(enrolment),
        "reason": mail.note,
        "other_sessions": [
            (other, settings.SITE_URL + other.get_absolute_url()) for other in others
        ],
        "catalogue_url": settings.SITE_URL + reverse("catalogue:session_list"),
    }
    return Draft(
        subject=_("Session annulée – %(title)s") % {"title": context["session_title"]},
        context=context,
        # The same events, marked cancelled: importing the file updates the calendar.
        calendar=session,
        reply_to=_opco_reply_to(session),
    )


@builds(Kind.SATISFACTION)
def _satisfaction(mail: OutboxMail) -> Draft | None:
    enrolment = enrolment_for_page(pk=mail.enrolment_id)
    if not satisfaction_open(enrolment):
        return None
    context = {
        **_enrolment_context(enrolment),
        "questionnaire_url": settings.SITE_URL
        + reverse("enrolment:satisfaction", args=[enrolment_token(enrolment)]),
    }
    return Draft(
        subject=_("Votre avis sur la formation – %(title)s") % {"title": context["session_title"]},
        context=context,
        reply_to=_opco_reply_to(enrolment.session),
    )


def _subscription(mail: OutboxMail) -> tuple[ReminderSubscription, Session]:
    subscription = ReminderSubscription.objects.get(pk=mail.subscription_id)
    return subscription, session_for_enrolment(pk=subscription.session_id)


def _unsubscribe_headers(url: str) -> dict[str, str]:
    # One-click unsubscription from the mail client (RFC 8058): it POSTs to the same link.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@builds(Kind.REMINDER_CONFIRM)
def _reminder_confirm(mail: OutboxMail) -> Draft | None:
    subscription, session = _subscription(mail)
    if subscription.unsubscribed_at or subscription.confirmed_at:
        return None
    if registration_closed_reason(session) is not None:
        return None
    unsubscribe = unsubscribe_url(subscription)
    context = {
        **_session_context(session),
        "confirm_url": confirm_url(subscription),
        "unsubscribe_url": unsubscribe,
    }
    return Draft(
        subject=_("Confirmez votre demande de rappel – %(title)s")
        % {"title": context["session_title"]},
        context=context,
        headers=_unsubscribe_headers(unsubscribe),
    )


@builds(Kind.REMINDER)
def _reminder(mail: OutboxMail) -> Draft | None:
    subscription, session = _subscription(mail)
    if not subscription.is_active or registration_closed_reason(session) is not None:
        return None
    counts = session_counts(session)
    if counts.seats_left == 0:
        return None
    if email_enrolled_in_session(subscription.email, session_id=session.pk):
        return None
    unsubscribe = unsubscribe_url(subscription)
    context = {
        **_session_context(session),
        "counts": counts,
        "enrol_url": settings.SITE_URL + reverse("enrolment:enrol", args=[session.pk]),
        "unsubscribe_url": unsubscribe,
    }
    return Draft(
        subject=_("Inscriptions ouvertes jusqu'au %(date)s – %(title)s")
        % {"date": long_date(session.registration_closes_on), "title": context["session_title"]},
        context=context,
        reply_to=_opco_reply_to(session),
        headers=_unsubscribe_headers(unsubscribe),
    )


def _staff_context(session: Session) -> dict[str, Any]:
    return {
        **_session_context(session),
        "counts": session_counts(session),
        "admin_url": settings.SITE_URL
        + reverse("admin:catalogue_session_change", args=[session.pk]),
    }


@builds(Kind.SESSION_SUMMARY)
def _session_summary(mail: OutboxMail) -> Draft | None:
    """To the OPCO contact and the provider, at each reminder stage."""
    session = session_for_enrolment(pk=mail.session_id)
    if session.status != Session.Status.PUBLISHED:
        return None
    context = _staff_context(session)
    return Draft(
        subject=_("Point sur les inscriptions (date limite le %(date)s) – %(title)s")
        % {"date": long_date(session.registration_closes_on), "title": context["session_title"]},
        context=context,
    )


@builds(Kind.MINIMUM_ALERT)
def _minimum_alert(mail: OutboxMail) -> Draft | None:
    """To the OPCO contact once registration has closed under the minimum."""
    session = session_for_enrolment(pk=mail.session_id)
    if session.status != Session.Status.PUBLISHED or session_has_started(session):
        return None
    context = _staff_context(session)
    if not context["counts"].under_minimum:
        return None
    return Draft(
        subject=_("Minimum de participants non atteint – %(title)s")
        % {"title": context["session_title"]},
        context=context,
    )


@builds(Kind.DISABILITY_NEEDS)
def _disability_needs(mail: OutboxMail) -> Draft | None:
    """To the provider's disability contact (référent handicap), at the trainee's request on
    the enrolment form, so that the training can be adapted."""
    enrolment = enrolment_for_page(pk=mail.enrolment_id)
    # Nothing left to pass on: the enrolment was closed, or its needs erased.
    if not enrolment.is_active or not enrolment.disability_needs.strip():
        return None
    context = _enrolment_context(enrolment)
    return Draft(
        subject=_("Besoins liés à un handicap – %(title)s") % {"title": context["session_title"]},
        context=context,
        reply_to=[enrolment.trainee.email],
    )

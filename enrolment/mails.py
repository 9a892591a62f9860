"""The enrolment's mails: their kinds, what each one says (a builder per kind, registered with
the outbox's `@builds`) and `mail_queue`, which queues one about an enrolment, a reminder
request or a session. The outbox (outbox/) writes, sends and retries them.

Each builder reads the row the mail is about (`mail.object_id`) when the mail leaves and
returns the subject and the templates' context, or None when the mail has lost its purpose;
`emails/<kind>.txt` and `.html` are its templates. Imported by EnrolmentConfig.ready(), so that
every process (web, worker, tests) has the builders.
"""

import datetime
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.formats import long_date
from catalogue.ics import RemovedDay, session_location
from catalogue.models import Session, SessionDay
from outbox.models import OutboxMail
from outbox.queue import mail_queue as outbox_mail_queue
from outbox.registry import Draft, builds

from .ics import enrolment_calendar
from .job_selectors import (
    email_enrolled_in_session,
    satisfaction_open,
    session_counts,
)
from .links import confirmation_url, enrolment_link_url, enrolment_token
from .models import Enrolment, ReminderSubscription, StaffMessage
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


class MailKind(models.TextChoices):
    ADDRESS_CONFIRM = "address_confirm", gettext_lazy("Confirmation de l'adresse")
    CONFIRMATION = "confirmation", gettext_lazy("Inscription enregistrée")
    LINK = "link", gettext_lazy("Lien personnel")
    VALIDATED = "validated", gettext_lazy("Inscription validée")
    REFUSED = "refused", gettext_lazy("Inscription refusée")
    CANCELLED = "cancelled", gettext_lazy("Inscription annulée")
    OFFER = "offer", gettext_lazy("Place proposée")
    OFFER_EXPIRED = "offer_expired", gettext_lazy("Offre de place expirée")
    SESSION_CANCELLED = "session_cancelled", gettext_lazy("Session annulée")
    CONVOCATION = "convocation", gettext_lazy("Convocation")
    SATISFACTION = "satisfaction", gettext_lazy("Questionnaire de satisfaction")
    REMINDER_CONFIRM = "reminder_confirm", gettext_lazy("Rappel\u00a0: confirmation de la demande")
    REMINDER = "reminder", gettext_lazy("Rappel avant la date limite")
    SESSION_SUMMARY = "session_summary", gettext_lazy("Point sur les inscriptions")
    MINIMUM_ALERT = "minimum_alert", gettext_lazy("Minimum de participants non atteint")
    DISABILITY_NEEDS = "disability_needs", gettext_lazy("Besoins liés à un handicap")
    SESSION_CHANGED = "session_changed", gettext_lazy("Session modifiée")
    SESSION_CHANGE_REJECTED = (
        "session_change_rejected",
        gettext_lazy("Modification de session refusée"),
    )
    STAFF_MESSAGE = "staff_message", gettext_lazy("Message de l'OPCO aux stagiaires")


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
    """Queue a mail in the current transaction (outbox.queue.mail_queue: sent after commit,
    None when `dedup_key` was queued before). It is about the enrolment, else the reminder
    request, else the session; it goes to `recipient`, else to the trainee or the requester."""
    if recipient is None:
        recipient = enrolment.trainee.email if enrolment is not None else subscription.email
    if enrolment is not None:
        about = enrolment
    elif subscription is not None:
        about = subscription
    else:
        about = session
    return outbox_mail_queue(
        kind=kind, recipient=recipient, about=about, note=note, dedup_key=dedup_key
    )


def _calendar(enrolment: Enrolment) -> list[tuple[str, bytes, str]]:
    """The session's days as an attachment that calendars import."""
    return [("formation.ics", enrolment_calendar(enrolment), "text/calendar")]


def _calendar_cancel(enrolment: Enrolment) -> list[tuple[str, bytes, str]]:
    """The same events, cancelled, with the iTIP method CANCEL (RFC 6047 wants it in the
    content type too): mail clients offer to remove them from the calendar."""
    calendar = enrolment_calendar(enrolment, method="CANCEL")
    return [("formation.ics", calendar, "text/calendar; method=CANCEL")]


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
    MailKind.LINK: gettext_lazy("Votre lien personnel – %(title)s"),
    MailKind.VALIDATED: gettext_lazy("Inscription validée – %(title)s"),
    MailKind.REFUSED: gettext_lazy("Inscription non retenue – %(title)s"),
    MailKind.CANCELLED: gettext_lazy("Inscription annulée – %(title)s"),
    MailKind.OFFER: gettext_lazy("Une place s'est libérée – %(title)s"),
    MailKind.OFFER_EXPIRED: gettext_lazy("Proposition de place expirée – %(title)s"),
}
# The mails that carry the session's calendar.
ICS_KINDS = {MailKind.CONFIRMATION, MailKind.LINK, MailKind.VALIDATED, MailKind.OFFER}
# The mails that take it back (the confirmation of a pending enrolment carried it).
ICS_CANCEL_KINDS = {MailKind.CANCELLED, MailKind.REFUSED}


def _still_relevant(kind: str, enrolment: Enrolment) -> bool:
    """Whether what the mail announces is still true when it leaves."""
    if kind == MailKind.OFFER:
        return enrolment.has_outstanding_offer
    if kind == MailKind.VALIDATED:
        return enrolment.status == Enrolment.Status.CONFIRMED
    if kind == MailKind.OFFER_EXPIRED:
        # A new offer made since then says more.
        return (
            enrolment.status == Enrolment.Status.WAITLISTED and not enrolment.has_outstanding_offer
        )
    if kind in (MailKind.CONFIRMATION, MailKind.LINK):
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


@builds(MailKind.CONFIRMATION, *ENROLMENT_SUBJECTS)
def _enrolment_news(mail: OutboxMail) -> Draft | None:
    enrolment = enrolment_for_page(pk=mail.object_id)
    if not _still_relevant(mail.kind, enrolment):
        return None
    context = _enrolment_context(enrolment)
    title = context["session_title"]
    if mail.kind == MailKind.CONFIRMATION:
        subject = _confirmation_subject(enrolment, context["position"], title)
    else:
        subject = ENROLMENT_SUBJECTS[mail.kind] % {"title": title}
    if mail.kind in ICS_KINDS:
        attachments = _calendar(enrolment)
    elif mail.kind in ICS_CANCEL_KINDS:
        attachments = _calendar_cancel(enrolment)
    else:
        attachments = []
    return Draft(
        subject=subject,
        context=context,
        attachments=attachments,
        reply_to=_opco_reply_to(enrolment.session),
    )


@builds(MailKind.ADDRESS_CONFIRM)
def _address_confirm(mail: OutboxMail) -> Draft | None:
    """The link that makes an enrolment count: its address's owner confirms it."""
    enrolment = enrolment_for_page(pk=mail.object_id)
    if enrolment.status != Enrolment.Status.UNCONFIRMED:
        return None
    context = {
        **_session_context(enrolment.session),
        "enrolment": enrolment,
        "confirm_url": confirmation_url(enrolment),
        "hold_expires_at": enrolment.hold_expires_at,
        "waitlisted": enrolment.held_status == Enrolment.Status.WAITLISTED,
    }
    return Draft(
        subject=_("Confirmez votre inscription – %(title)s") % {"title": context["session_title"]},
        context=context,
    )


def convocation_dedup_key(enrolment_id: int) -> str:
    """The one convocation an enrolment gets, whoever queues it first: the daily job or staff
    sending the session's convocations ahead of it. A resend by hand has a key of its own."""
    return f"convocation:{enrolment_id}"


def convocations_queue(session: Session) -> tuple[int, int]:
    """Queue the convocation of each confirmed trainee of the session with
    `convocation_dedup_key`; returns (queued, already: those whose convocation had left)."""
    queued = already = 0
    enrolments = session.enrolments.filter(status=Enrolment.Status.CONFIRMED)
    for enrolment in enrolments.select_related("trainee").order_by("pk"):
        mail = mail_queue(
            kind=MailKind.CONVOCATION,
            enrolment=enrolment,
            session=session,
            dedup_key=convocation_dedup_key(enrolment.pk),
        )
        if mail is None:
            already += 1
        else:
            queued += 1
    return queued, already


def _session_ahead(session: Session) -> bool:
    """Published and not started: the mails about its days and its fill still have a purpose."""
    return session.status == Session.Status.PUBLISHED and not session_has_started(session)


def convocation_due(enrolment: Enrolment) -> bool:
    """Whether a convocation still has a purpose: a confirmed trainee of a published session
    that has not started."""
    return enrolment.status == Enrolment.Status.CONFIRMED and _session_ahead(enrolment.session)


@builds(MailKind.CONVOCATION)
def _convocation(mail: OutboxMail) -> Draft | None:
    """The notice training rules require before the session (Qualiopi indicator 9)."""
    enrolment = enrolment_for_page(pk=mail.object_id)
    if not convocation_due(enrolment):
        return None
    return convocation_draft(enrolment)


def convocation_draft(enrolment: Enrolment) -> Draft:
    """The convocation of a confirmed enrolment (loaded as `enrolment_for_page` does; the
    admin's preview passes an unsaved sample too)."""
    session = enrolment.session
    context = {
        **_enrolment_context(enrolment),
        "trainers": list(session.trainers.order_by("last_name", "first_name")),
        "inter_session_work": session.fiche_inter_session_work,
    }
    return Draft(
        subject=_("Convocation – %(title)s") % {"title": context["session_title"]},
        context=context,
        attachments=_calendar(enrolment),
        reply_to=_opco_reply_to(session),
    )


@builds(MailKind.SESSION_CANCELLED)
def _session_cancelled(mail: OutboxMail) -> Draft | None:
    enrolment = enrolment_for_page(pk=mail.object_id)
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
        # The same events, marked cancelled: the mail client removes them from the calendar.
        attachments=_calendar_cancel(enrolment),
        reply_to=_opco_reply_to(session),
    )


@builds(MailKind.SATISFACTION)
def _satisfaction(mail: OutboxMail) -> Draft | None:
    enrolment = enrolment_for_page(pk=mail.object_id)
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
    subscription = ReminderSubscription.objects.get(pk=mail.object_id)
    return subscription, session_for_enrolment(pk=subscription.session_id)


def _unsubscribe_headers(url: str) -> dict[str, str]:
    # One-click unsubscription from the mail client (RFC 8058): it POSTs to the same link.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@builds(MailKind.REMINDER_CONFIRM)
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


@builds(MailKind.REMINDER)
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


def _staff_session(mail: OutboxMail) -> Session | None:
    """The session a mail to its staff is about; None once the session was deleted (one
    without enrolments may be), which leaves the mail nothing to say."""
    try:
        return session_for_enrolment(pk=mail.object_id)
    except Session.DoesNotExist:
        return None


@builds(MailKind.SESSION_SUMMARY)
def _session_summary(mail: OutboxMail) -> Draft | None:
    """To the OPCO contact and the provider, at each reminder stage."""
    session = _staff_session(mail)
    if session is None or session.status != Session.Status.PUBLISHED:
        return None
    context = _staff_context(session)
    return Draft(
        subject=_("Point sur les inscriptions (date limite le %(date)s) – %(title)s")
        % {"date": long_date(session.registration_closes_on), "title": context["session_title"]},
        context=context,
    )


@builds(MailKind.MINIMUM_ALERT)
def _minimum_alert(mail: OutboxMail) -> Draft | None:
    """To the OPCO contact once registration has closed under the minimum."""
    session = _staff_session(mail)
    if session is None or not _session_ahead(session):
        return None
    context = _staff_context(session)
    if not context["counts"].under_minimum:
        return None
    return Draft(
        subject=_("Minimum de participants non atteint – %(title)s")
        % {"title": context["session_title"]},
        context=context,
    )


@builds(MailKind.DISABILITY_NEEDS)
def _disability_needs(mail: OutboxMail) -> Draft | None:
    """To the provider's disability contact (référent handicap), at the trainee's request on
    the enrolment form, so that the training can be adapted."""
    enrolment = enrolment_for_page(pk=mail.object_id)
    # Nothing left to pass on: the enrolment was closed, or its needs erased.
    if not enrolment.is_active or not enrolment.disability_needs.strip():
        return None
    context = _enrolment_context(enrolment)
    return Draft(
        subject=_("Besoins liés à un handicap – %(title)s") % {"title": context["session_title"]},
        context=context,
        reply_to=[enrolment.trainee.email],
    )


# Told when a published session's days, hours or place change: those who hold a seat or wait
# for one (an outstanding offer is on the waiting list); an address not confirmed yet reads the
# new dates in the mails that follow its confirmation.
NOTIFIED_ON_CHANGE = (
    Enrolment.Status.CONFIRMED,
    Enrolment.Status.PENDING,
    Enrolment.Status.WAITLISTED,
)


def removed_days_note(days: Iterable[SessionDay]) -> str:
    """The days a change deleted, as the "session changed" mail's note (JSON): its builder
    runs later, when the rows are gone, and sends their events cancelled. Empty for none."""
    days = list(days)
    if not days:
        return ""
    return json.dumps(
        [
            {
                "id": day.pk,
                "date": day.date.isoformat(),
                "start": day.starts_at.isoformat(),
                "end": day.ends_at.isoformat(),
            }
            for day in days
        ]
    )


def _removed_days(note: str) -> list[RemovedDay]:
    try:
        days = json.loads(note) if note else []
        return [
            RemovedDay(
                id=int(day["id"]),
                date=datetime.date.fromisoformat(day["date"]),
                starts_at=datetime.time.fromisoformat(day["start"]),
                ends_at=datetime.time.fromisoformat(day["end"]),
            )
            for day in days
        ]
    except (ValueError, TypeError, KeyError):
        return []  # a note of another shape (written before): no cancelled day


@builds(MailKind.SESSION_CHANGED)
def _session_changed(mail: OutboxMail) -> Draft | None:
    """The new days, hours or place of a published session, with the updated calendar (its
    events' SEQUENCE follows the session's change, so calendars apply it; the days the change
    deleted, from the mail's note, are cancelled events)."""
    enrolment = enrolment_for_page(pk=mail.object_id)
    session = enrolment.session
    if enrolment.status not in NOTIFIED_ON_CHANGE or not _session_ahead(session):
        return None
    context = _enrolment_context(enrolment)
    return Draft(
        subject=_("Session modifiée\u00a0: nouvelles dates ou nouveau lieu – %(title)s")
        % {"title": context["session_title"]},
        context=context,
        attachments=[
            (
                "formation.ics",
                enrolment_calendar(enrolment, removed_days=_removed_days(mail.note)),
                "text/calendar",
            )
        ],
        reply_to=_opco_reply_to(session),
    )


@builds(MailKind.SESSION_CHANGE_REJECTED)
def _session_change_rejected(mail: OutboxMail) -> Draft | None:
    """To a provider's member: the OPCO refused the change proposed to a published session."""
    session = _staff_session(mail)
    if session is None:
        return None
    context = {
        **_session_context(session),
        "reason": mail.note,
        "space_url": settings.SITE_URL + reverse("providers:session", args=[session.pk]),
    }
    return Draft(
        subject=_("Modification non retenue par l'OPCO – %(title)s")
        % {"title": context["session_title"]},
        context=context,
        reply_to=_opco_reply_to(session),
    )


# Who may read a staff message when it leaves: the trainee still takes part.
STAFF_MESSAGE_STATUSES = (Enrolment.Status.CONFIRMED, Enrolment.Status.WAITLISTED)


@builds(MailKind.STAFF_MESSAGE)
def _staff_message(mail: OutboxMail) -> Draft | None:
    """What the OPCO wrote to a session's trainees ("Écrire aux stagiaires", in the admin):
    the `StaffMessage` whose id is the mail's note, to each trainee."""
    message = StaffMessage.objects.filter(pk=int(mail.note or 0)).first()
    enrolment = enrolment_for_page(pk=mail.object_id)
    if message is None or enrolment.status not in STAFF_MESSAGE_STATUSES:
        return None
    return staff_message_draft(message, enrolment)


def staff_message_draft(message: StaffMessage, enrolment: Enrolment) -> Draft:
    context = {**_enrolment_context(enrolment), "message": message}
    return Draft(
        subject=_("%(subject)s – %(title)s")
        % {"subject": message.subject, "title": context["session_title"]},
        context=context,
        reply_to=_opco_reply_to(enrolment.session),
    )

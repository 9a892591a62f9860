"""What OPCO staff send by hand to a session's trainees from the admin: the convocations ahead
of the daily job, one convocation again, a message ("Écrire aux stagiaires").

Each send is recorded (`StaffMessage`: who, when, what, to how many) and its mails go through
the outbox, one row per trainee. Never twice for one reason:
- the convocations sent now take the daily job's dedup key (`convocation_dedup_key`): whichever
  comes first sends each trainee's convocation, the other queues nothing;
- a resend and a message are reasons of their own: their keys hold the record's id;
- the same form posted twice (a double click, a reload) carries the same one-time token, which
  the record keeps (unique): the second post sends nothing.
"""

import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from catalogue.models import Session

from .mails import MailKind, convocation_dedup_key, convocations_queue, mail_queue
from .models import Enrolment, StaffMessage
from .selectors import session_has_started, session_locked
from .services import EnrolmentError
from .transitions import Actor

TOKEN_RE = re.compile(r"[0-9a-f]{32}")

FORM_EXPIRED = _("Ce formulaire n'est plus valable\u00a0: rechargez la page et recommencez.")
NOT_PUBLISHED = _("Seule une session publiée envoie des convocations.")
STARTED = _("La session a commencé\u00a0: les convocations ne partent plus.")
NOT_CONFIRMED = _("Seul un stagiaire confirmé reçoit une convocation.")
NO_RECIPIENT = _("Cette session n'a aucun stagiaire à qui écrire.")


def staff_form_token() -> str:
    """A one-time token for a form that sends mails (`StaffMessage.token`)."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class ConvocationsSent:
    queued: int
    # Confirmed trainees whose convocation had left already (the job, or an earlier send).
    already: int


def _convocations_check(session: Session) -> None:
    if session.status != Session.Status.PUBLISHED:
        raise EnrolmentError(NOT_PUBLISHED, code="not_published")
    if session_has_started(session):
        raise EnrolmentError(STARTED, code="started")


def _record(*, session: Session, kind: str, token: str, by: Actor, **values) -> StaffMessage | None:
    """Record a send, once per form token: None when that form was posted before. Call inside
    the transaction of the send."""
    if not TOKEN_RE.fullmatch(token or ""):
        raise EnrolmentError(FORM_EXPIRED, code="token")
    record = StaffMessage(session=session, kind=kind, token=token, sent_by=by.user, **values)
    # The token's uniqueness is the insert's to tell (a concurrent post of the same form).
    record.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        if StaffMessage.objects.filter(token=token).exists():
            return None
        raise
    return record


def convocations_send_now(*, session_id: int, token: str, by: Actor) -> ConvocationsSent | None:
    """Queue the convocation of every confirmed trainee of a published session that has not
    started, with the daily job's key (each trainee gets it once, from whichever comes first).
    None when this form was posted before. Raises EnrolmentError on a session that sends no
    convocation. A send that queues nothing (every confirmed trainee had it already, or there
    is none) leaves no record: the session's history lists what was sent."""
    with transaction.atomic():
        # Locked: a cancellation or a validation waits for the list read here.
        session = session_locked(pk=session_id)
        _convocations_check(session)
        record = _record(session=session, kind=StaffMessage.Kind.CONVOCATIONS, token=token, by=by)
        if record is None:
            return None
        queued, already = convocations_queue(session)
        if queued:
            record.recipient_count = queued
            record.save(update_fields=["recipient_count"])
        else:
            record.delete()
    return ConvocationsSent(queued=queued, already=already)


def convocation_resend(*, enrolment_id: int, token: str, by: Actor) -> StaffMessage | None:
    """Send a confirmed trainee's convocation again (lost, or the trainee asks for it), as a
    reason of its own, recorded. None when this form was posted before."""
    with transaction.atomic():
        session_id = Enrolment.objects.values_list("session_id", flat=True).get(pk=enrolment_id)
        session = session_locked(pk=session_id)
        enrolment = Enrolment.objects.select_related("trainee").get(pk=enrolment_id)
        if enrolment.status != Enrolment.Status.CONFIRMED:
            raise EnrolmentError(NOT_CONFIRMED, code="not_confirmed")
        _convocations_check(session)
        record = _record(
            session=session,
            kind=StaffMessage.Kind.CONVOCATION_RESEND,
            enrolment=enrolment,
            recipient_count=1,
            token=token,
            by=by,
        )
        if record is None:
            return None
        mail_queue(
            kind=MailKind.CONVOCATION,
            enrolment=enrolment,
            session=session,
            dedup_key=f"{convocation_dedup_key(enrolment.pk)}:renvoi:{record.pk}",
        )
    return record


def staff_message_recipients(session: Session, *, include_waitlisted: bool):
    """The enrolments a staff message goes to: the confirmed trainees, and the waiting list if
    asked."""
    statuses = [Enrolment.Status.CONFIRMED]
    if include_waitlisted:
        statuses.append(Enrolment.Status.WAITLISTED)
    return session.enrolments.filter(status__in=statuses).select_related("trainee").order_by("pk")


def staff_message_send(
    *,
    session_id: int,
    subject: str,
    body: str,
    include_waitlisted: bool,
    token: str,
    by: Actor,
) -> StaffMessage | None:
    """Write to a session's confirmed (and, if asked, waitlisted) trainees: one outbox row per
    trainee, the message recorded in the session's history. None when this form was posted
    before. Raises EnrolmentError when nobody would get it, ValidationError on a subject or a
    body out of bounds (nothing is written)."""
    with transaction.atomic():
        session = session_locked(pk=session_id)
        enrolments = list(staff_message_recipients(session, include_waitlisted=include_waitlisted))
        if not enrolments:
            raise EnrolmentError(NO_RECIPIENT, code="no_recipient")
        record = _record(
            session=session,
            kind=StaffMessage.Kind.MESSAGE,
            subject=subject,
            body=body,
            include_waitlisted=include_waitlisted,
            recipient_count=len(enrolments),
            token=token,
            by=by,
        )
        if record is None:
            return None
        for enrolment in enrolments:
            mail_queue(
                kind=MailKind.STAFF_MESSAGE,
                enrolment=enrolment,
                session=session,
                note=str(record.pk),
                dedup_key=f"staff_message:{record.pk}:{enrolment.pk}",
            )
    return record

"""The enrolment rules: address confirmation, seats, the waiting list and its offers,
validation, cancellation.

An enrolment sent from the public form counts once its address is confirmed (`enrolment_create`
holds its seat or place, `enrolment_confirm` makes it count). Every function that changes who
holds a seat in a session first locks the session row (`session_locked`, SELECT ... FOR UPDATE)
and counts the seats inside that lock, so two people asking for the last seat are served one
after the other. The admin, the views and the tasks call these functions; nothing else changes
an enrolment's status.
"""

import copy
import dataclasses
import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Session
from outbox.models import OutboxMail

from .job_selectors import satisfaction_open
from .mails import MailKind, mail_queue
from .models import (
    SATISFACTION_RATINGS,
    Employer,
    Enrolment,
    SatisfactionResponse,
    Trainee,
    outstanding_offer_q,
)
from .retention import ENROLMENT_PERSONAL_FIELDS, trainees_erase
from .selectors import (
    active_enrolments_for_email,
    free_seats,
    module_requires_prerequisite,
    registration_closed_reason,
    registration_closes_at,
    seats_held,
    session_has_started,
    session_locked,
)
from .transitions import Actor, transition_record
from .validators import normalise_siret, validate_prerequisite_declaration

TRAINEE_FIELDS = (
    "civility",
    "first_name",
    "last_name",
    "email",
    "phone",
    "job",
    "job_other",
    "diploma_level",
)
EMPLOYER_FIELDS = ("name", "siret", "postcode", "city", "opco_member_number")
ENROLMENT_FIELDS = (
    "employer_contact_name",
    "employer_contact_email",
    "disability_needs",
    "prerequisite_basis",
    "prerequisite_module_when",
    "prerequisite_module_provider",
    "prerequisite_practice",
)
PREREQUISITE_FIELDS = ENROLMENT_FIELDS[3:]

logger = logging.getLogger(__name__)


class EnrolmentError(Exception):
    """A rule forbids the action. `message` is written for the person who asked."""

    def __init__(self, message, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class RegistrationClosed(EnrolmentError):
    """The session accepts no enrolment; `code` is a selectors.ClosedReason."""


@dataclasses.dataclass(frozen=True)
class EnrolmentResult:
    enrolment: Enrolment
    # False when this e-mail already had an active enrolment in the session: nothing was
    # created, and its owner got their confirmation link or personal link again.
    created: bool


# The trainee's identity as typed on the form; written onto the trainee once the address's
# owner confirms it (the e-mail is the trainee's key and never changes).
IDENTITY_FIELDS = tuple(field for field in TRAINEE_FIELDS if field != "email")


def enrolment_create(
    *,
    session_id: int,
    trainee_data: dict[str, Any],
    employer_data: dict[str, Any],
    enrolment_data: dict[str, Any],
    consent: bool,
    by: Actor,
) -> EnrolmentResult:
    """Enrol someone in a session, pending the confirmation of their address: the enrolment is
    "unconfirmed" and holds, for ENROLMENT_HOLD_MINUTES, what it becomes once the address's
    owner confirms it from the mailed link (`enrolment_confirm`): a seat (confirmed, or pending
    when the module has a prerequisite to check), or its place on the waiting list when the
    session is full or others are waiting (a free seat then goes to the first in line). The
    hold counts as a seat taken, so a rush never overbooks; the waiting list's order is the
    order of submission. An address already known keeps its trainee's identity as stored
    until its owner confirms the new one.

    Raises RegistrationClosed, or ValidationError with the fields at fault."""
    if not consent:
        raise ValidationError(
            {"consent": _("Votre accord est nécessaire pour traiter votre inscription.")}
        )
    email = trainee_data["email"].strip()
    with transaction.atomic():
        session = session_locked(pk=session_id)
        reason = registration_closed_reason(session)
        if reason is not None:
            raise RegistrationClosed(_("Cette session n'accepte plus d'inscription."), code=reason)

        trainee = _trainee_by_email(email)
        if trainee is not None:
            existing = trainee.enrolments.active().filter(session=session).first()
            if existing is not None:
                # Nothing changes, so that a stranger who types someone's address learns
                # nothing and alters nothing; the owner of the address gets their link again.
                _reminder_of_link_queue(existing)
                return EnrolmentResult(enrolment=existing, created=False)
            # The identity typed waits on the enrolment until the address's owner confirms
            # it: checked now, as a new trainee's is, so that the confirmation cannot fail.
            _identity_check(trainee, trainee_data)

        declaration = {field: enrolment_data.get(field, "") for field in ENROLMENT_FIELDS}
        requires_prerequisite = module_requires_prerequisite(session.module)
        if requires_prerequisite:
            validate_prerequisite_declaration(
                basis=declaration["prerequisite_basis"],
                module_when=declaration["prerequisite_module_when"],
                module_provider=declaration["prerequisite_module_provider"],
                practice=declaration["prerequisite_practice"],
            )
            _drop_unused_declaration(declaration)
        else:
            declaration.update(dict.fromkeys(PREREQUISITE_FIELDS, ""))

        employer = _employer_for(employer_data)
        trainee = _trainee_save(trainee, {**trainee_data, "email": email}, employer)

        # An offer or a hold that lapsed since the last sweep frees its seat for the queue,
        # not for the newcomer.
        _holds_lapse(session, now=timezone.now())
        _offers_lapse(session, now=timezone.now())
        # A free seat belongs to the queue: while someone waits without an offer, the first
        # in line gets it and the newcomer joins the back.
        queue_waiting = session.enrolments.waitlisted().exclude(outstanding_offer_q()).exists()
        if queue_waiting:
            waitlist_offer_next(session=session)

        # Read after the lapse: the newcomer queues behind those sent to the back.
        now = timezone.now()
        enrolment = Enrolment(
            trainee=trainee,
            session=session,
            employer=employer,
            status=Enrolment.Status.UNCONFIRMED,
            consent_at=now,
            status_changed_at=now,
            hold_expires_at=now + datetime.timedelta(minutes=settings.ENROLMENT_HOLD_MINUTES),
            submitted_identity={field: trainee_data.get(field, "") for field in IDENTITY_FIELDS},
            **declaration,
        )
        # Counted inside the lock: no other transaction can take a seat in between.
        if queue_waiting or seats_held(session) >= session.capacity:
            enrolment.held_status = Enrolment.Status.WAITLISTED
            # The place in the queue is kept from now: the order of submission.
            enrolment.waitlisted_at = now
        elif requires_prerequisite:
            enrolment.held_status = Enrolment.Status.PENDING
        else:
            enrolment.held_status = Enrolment.Status.CONFIRMED
        enrolment.full_clean()
        enrolment.save()
        transition_record(session=session, enrolment=enrolment, to_status=enrolment.status, by=by)
        mail_queue(kind=MailKind.ADDRESS_CONFIRM, enrolment=enrolment)
    return EnrolmentResult(enrolment=enrolment, created=True)


def enrolment_confirm(*, enrolment_id: int) -> Enrolment:
    """The address's owner confirms an enrolment from the mailed link, within its hold: it
    becomes what it held (confirmed, pending, or on the waiting list in its place of
    submission), the identity they typed becomes the trainee's, and the usual mails leave.
    Confirming again changes nothing. Raises EnrolmentError once the hold has lapsed."""
    with transaction.atomic():
        session, enrolment = _enrolment_locked(enrolment_id)
        if enrolment.status == Enrolment.Status.UNCONFIRMED:
            if enrolment.hold_expires_at > timezone.now():
                _address_confirm(session, enrolment)
                return enrolment
            # Committed before the error is raised: the seat goes to the next in line.
            _hold_lapse(enrolment)
            waitlist_offer_next(session=session)
    if enrolment.address_confirmed_at is None:
        raise EnrolmentError(HOLD_LAPSED, code="hold_lapsed")
    return enrolment


def _address_confirm(session: Session, enrolment: Enrolment) -> None:
    """Call inside the session lock, for an unconfirmed enrolment within its hold."""
    now = timezone.now()
    _identity_confirm(enrolment)
    enrolment.status = enrolment.held_status
    enrolment.held_status = ""
    enrolment.hold_expires_at = None
    enrolment.address_confirmed_at = now
    enrolment.status_changed_at = now
    enrolment.save()
    _transition(enrolment, Enrolment.Status.UNCONFIRMED, by=Actor.trainee())
    mail_queue(kind=MailKind.CONFIRMATION, enrolment=enrolment)
    if enrolment.disability_needs.strip():
        _disability_needs_mail_queue(enrolment)
    if enrolment.status == Enrolment.Status.WAITLISTED:
        # A seat may have been freed while they confirmed: first in line, they get it.
        waitlist_offer_next(session=session)


# The confirmation link is mailed again at most this often.
CONFIRMATION_RESEND_MINUTES = 5
HOLD_LAPSED = _(
    "Le délai pour confirmer cette inscription est dépassé\u00a0: la place a été libérée. "
    "Vous pouvez vous inscrire de nouveau."
)


def _identity_check(trainee: Trainee, data: dict[str, Any]) -> None:
    """Raise ValidationError, on the fields at fault, if the identity typed in `data` could
    not be written onto `trainee` by `_identity_confirm`."""
    typed = copy.copy(trainee)
    for field in IDENTITY_FIELDS:
        setattr(typed, field, (data.get(field) or "").strip())
    typed.full_clean(validate_unique=False, validate_constraints=False)


def _identity_confirm(enrolment: Enrolment) -> None:
    """Write the identity typed on the form onto the trainee: the owner of the address has
    just confirmed it. The enrolment keeps no copy."""
    trainee = enrolment.trainee
    for field, value in enrolment.submitted_identity.items():
        if field in IDENTITY_FIELDS:
            setattr(trainee, field, (value or "").strip())
    if enrolment.employer_id:
        trainee.employer = enrolment.employer
    trainee.full_clean()
    trainee.save()
    enrolment.submitted_identity = {}


def holds_expire() -> int:
    """Close the holds of unconfirmed enrolments whose time is up, in every session, and offer
    the seats they freed. Returns the number of lapsed holds. Meant to run periodically."""
    now = timezone.now()
    session_ids = (
        Enrolment.objects.filter(status=Enrolment.Status.UNCONFIRMED, hold_expires_at__lte=now)
        .values_list("session_id", flat=True)
        .distinct()
        .order_by()
    )
    lapsed = 0
    for session_id in list(session_ids):
        with transaction.atomic():
            session = session_locked(pk=session_id)
            count = _holds_lapse(session, now=now)
            if count:
                waitlist_offer_next(session=session)
            lapsed += count
    return lapsed


def _holds_lapse(session: Session, *, now: datetime.datetime) -> int:
    """Cancel the session's unconfirmed enrolments whose hold ran out by `now`. Call inside
    the session lock; the caller offers the freed seats."""
    lapsed = list(
        session.enrolments.filter(
            status=Enrolment.Status.UNCONFIRMED, hold_expires_at__lte=now
        ).select_related("trainee")
    )
    for enrolment in lapsed:
        enrolment.session = session
        _hold_lapse(enrolment)
    return len(lapsed)


def _hold_lapse(enrolment: Enrolment) -> None:
    enrolment_close(enrolment)
    enrolment.save()
    _transition(
        enrolment,
        Enrolment.Status.UNCONFIRMED,
        by=Actor.job(_("confirmation d'adresse")),
        reason=_("Adresse non confirmée à temps."),
    )


def enrolment_close(enrolment: Enrolment) -> str:
    """Mark an active enrolment cancelled, in memory (the caller saves it, records the
    transition and offers the seat, inside the session lock). An enrolment whose address was
    never confirmed keeps nothing of what was typed, and nor does its trainee when it was made
    by that request alone. Returns the status it had."""
    previous = enrolment.status
    now = timezone.now()
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.status_changed_at = now
    enrolment.cancelled_at = now
    enrolment.offer_expires_at = None
    if previous == Enrolment.Status.UNCONFIRMED:
        enrolment.held_status = ""
        enrolment.hold_expires_at = None
        _unconfirmed_erase(enrolment, now=now)
    return previous


def _unconfirmed_erase(enrolment: Enrolment, *, now: datetime.datetime) -> None:
    trainee = enrolment.trainee
    kept_by_another = (
        trainee.enrolments.exclude(pk=enrolment.pk)
        .filter(Q(address_confirmed_at__isnull=False) | Q(status=Enrolment.Status.UNCONFIRMED))
        .exists()
    )
    if not kept_by_another and trainee.anonymised_at is None:
        # Created by this request, which its address's owner never confirmed.
        trainees_erase(ids=[trainee.pk], emails=[trainee.email], now=now)
    for field in ENROLMENT_PERSONAL_FIELDS:
        setattr(enrolment, field, "")
    enrolment.submitted_identity = {}


def disability_needs_recipient(session: Session) -> str:
    """The address the needs a trainee types on the form go to: the e-mail of the contact the
    pages show (Session.disability_contact: the session's own, else the provider's référent),
    else, when that contact has none (a name and a phone only), the provider's référent's
    e-mail, else the provider's own; "" when there is none."""
    contact = session.disability_contact
    provider = session.provider
    return (
        (contact["email"] if contact else "") or provider.disability_contact_email or provider.email
    )


def _disability_needs_mail_queue(enrolment: Enrolment) -> None:
    """Pass the needs the trainee typed on to the provider, as the form promises, at
    disability_needs_recipient."""
    session = enrolment.session
    provider = session.provider
    recipient = disability_needs_recipient(session)
    if not recipient:
        # Ids only: the needs are health data.
        logger.warning(
            "Disability needs of enrolment %s not passed on: provider %s has no e-mail",
            enrolment.pk,
            provider.pk,
        )
        return
    mail_queue(
        kind=MailKind.DISABILITY_NEEDS,
        enrolment=enrolment,
        recipient=recipient,
        dedup_key=f"disability_needs:{enrolment.pk}",
    )


def _drop_unused_declaration(declaration: dict[str, Any]) -> None:
    """Keep only the branch the person chose (both may have been typed in)."""
    if declaration["prerequisite_basis"] == "module":
        declaration["prerequisite_practice"] = ""
    else:
        declaration["prerequisite_module_when"] = ""
        declaration["prerequisite_module_provider"] = ""


def _trainee_by_email(email: str) -> Trainee | None:
    # Through lower(email), the expression of the unique index.
    return (
        Trainee.objects.alias(email_lower=Lower("email")).filter(email_lower=email.lower()).first()
    )


def _employer_for(data: dict[str, Any]) -> Employer:
    """The establishment with this SIRET if we know it (its recorded name wins: a SIRET names
    one establishment), else a new one."""
    values = {field: (data.get(field) or "").strip() for field in EMPLOYER_FIELDS}
    values["siret"] = normalise_siret(values["siret"])
    employer = None
    if values["siret"]:
        employer = Employer.objects.filter(siret=values["siret"]).order_by("pk").first()
    if employer is None:
        employer = Employer(**values)
        employer.full_clean()
        employer.save()
    elif values["opco_member_number"] and not employer.opco_member_number:
        employer.opco_member_number = values["opco_member_number"]
        # Checked alone: the rest of the row was recorded before, by others.
        employer.clean_fields(
            exclude={field.name for field in Employer._meta.fields} - {"opco_member_number"}
        )
        employer.save(update_fields=["opco_member_number"])
    return employer


def _trainee_save(trainee: Trainee | None, data: dict[str, Any], employer: Employer) -> Trainee:
    """Create the trainee, or return the existing one unchanged.

    The form is anonymous: anyone can type a known address, so it never rewrites a stored
    identity (name, phone, job, employer), which the trainee's other enrolments show; the
    identity typed waits on the enrolment until the address's owner confirms it
    (`_identity_confirm`). What is particular to one enrolment (employer, employer contact,
    needs, declaration) goes on the enrolment row."""
    if trainee is not None:
        return trainee
    values = {field: (data.get(field) or "").strip() for field in TRAINEE_FIELDS}
    trainee = Trainee(**values, employer=employer)
    # The unique address is left to the index: a check here would race the insert below.
    trainee.full_clean(validate_constraints=False)
    try:
        # Two first enrolments with one address, in two sessions at once: the unique index
        # lets one through; the other reads it.
        with transaction.atomic():
            trainee.save()
    except IntegrityError:
        trainee = _trainee_by_email(values["email"])
        if trainee is None:
            raise
    return trainee


def _enrolment_locked(enrolment_id: int) -> tuple[Session, Enrolment]:
    """Lock the enrolment's session, then read the enrolment inside the lock. Call inside
    transaction.atomic."""
    session_id = Enrolment.objects.values_list("session_id", flat=True).get(pk=enrolment_id)
    session = session_locked(pk=session_id)
    enrolment = Enrolment.objects.select_related("trainee").get(pk=enrolment_id)
    enrolment.session = session
    return session, enrolment


def enrolment_validate(*, enrolment_id: int, by: Actor) -> Enrolment:
    """OPCO staff or the provider accept a pending enrolment (prerequisite checked)."""
    with transaction.atomic():
        session, enrolment = _enrolment_locked(enrolment_id)
        if enrolment.status != Enrolment.Status.PENDING:
            raise EnrolmentError(
                _("Seule une inscription à valider peut être validée."), code="not_pending"
            )
        now = timezone.now()
        enrolment.status = Enrolment.Status.CONFIRMED
        enrolment.status_changed_at = now
        enrolment.decided_at = now
        enrolment.decided_by = by.user
        enrolment.save()
        _transition(enrolment, Enrolment.Status.PENDING, by=by)
        mail_queue(kind=MailKind.VALIDATED, enrolment=enrolment)
    return enrolment


def enrolment_refuse(*, enrolment_id: int, by: Actor, reason: str = "") -> Enrolment:
    """Refuse a pending or waitlisted enrolment (prerequisite not met). The seat it held, if
    any, is offered to the waiting list."""
    with transaction.atomic():
        session, enrolment = _enrolment_locked(enrolment_id)
        if enrolment.status not in (Enrolment.Status.PENDING, Enrolment.Status.WAITLISTED):
            raise EnrolmentError(
                _("Seule une inscription à valider ou en liste d'attente peut être refusée."),
                code="not_refusable",
            )
        previous = enrolment.status
        now = timezone.now()
        enrolment.status = Enrolment.Status.REFUSED
        enrolment.status_changed_at = now
        enrolment.decided_at = now
        enrolment.decided_by = by.user
        enrolment.refusal_reason = reason.strip()
        Enrolment._meta.get_field("refusal_reason").run_validators(enrolment.refusal_reason)
        enrolment.offer_expires_at = None
        enrolment.save()
        _transition(enrolment, previous, by=by, reason=enrolment.refusal_reason)
        mail_queue(kind=MailKind.REFUSED, enrolment=enrolment)
        # The seat it held, if any, goes to the next in line (counted afresh: none may be free).
        waitlist_offer_next(session=session)
    return enrolment


def enrolment_cancel(*, enrolment_id: int, by: Actor, allow_after_start: bool = False) -> Enrolment:
    """Cancel an active enrolment (the trainee from their link, or staff). Refused once the
    session has started unless `allow_after_start` (staff only). A freed seat is offered to
    the waiting list."""
    with transaction.atomic():
        session, enrolment = _enrolment_locked(enrolment_id)
        if not enrolment.is_active:
            raise EnrolmentError(_("Cette inscription est déjà close."), code="not_active")
        if not allow_after_start and session_has_started(session):
            raise EnrolmentError(
                _("La session a commencé\u00a0: l'inscription ne peut plus être annulée en ligne."),
                code="started",
            )
        previous = enrolment_close(enrolment)
        enrolment.save()
        _transition(enrolment, previous, by=by)
        mail_queue(kind=MailKind.CANCELLED, enrolment=enrolment)
        waitlist_offer_next(session=session)
    return enrolment


# The waiting list's automatic moves (offers, lapsed offers) are the rule's, whoever's action
# freed the seat or whichever job found the offer expired.
WAITLIST_RULE = Actor.job(_("liste d'attente"))
OFFERED = _("Place libérée proposée à la personne suivante de la liste d'attente.")
LAPSED = _("Offre de place expirée\u00a0: retour en fin de liste d'attente.")


def _transition(enrolment: Enrolment, previous: str, *, by: Actor, reason: str = "") -> None:
    transition_record(
        session=enrolment.session,
        enrolment=enrolment,
        from_status=previous,
        to_status=enrolment.status,
        by=by,
        reason=reason,
    )


def waitlist_offer_next(*, session: Session, exclude_ids: Iterable[int] = ()) -> list[Enrolment]:
    """Offer each free seat to the next person on the waiting list, for WAITLIST_OFFER_HOURS
    (cut at the registration deadline). No offer once the deadline has passed or the session
    has started. Call inside the session lock (`session_locked`)."""
    now = timezone.now()
    if registration_closed_reason(session) is not None or session_has_started(session, now=now):
        return []
    free = free_seats(capacity=session.capacity, held=seats_held(session))
    if free <= 0:
        return []
    expires_at = min(
        now + datetime.timedelta(hours=settings.WAITLIST_OFFER_HOURS),
        registration_closes_at(session),
    )
    candidates = (
        session.enrolments.waitlisted()
        .filter(offer_expires_at__isnull=True)
        .exclude(pk__in=list(exclude_ids))
        .select_related("trainee")[:free]
    )
    offered = []
    for enrolment in candidates:
        enrolment.offered_at = now
        enrolment.offer_expires_at = expires_at
        enrolment.save(update_fields=["offered_at", "offer_expires_at"])
        mail_queue(kind=MailKind.OFFER, enrolment=enrolment)
        # Not a status change, but the move on the waiting list an audit asks about.
        _transition(enrolment, Enrolment.Status.WAITLISTED, by=WAITLIST_RULE, reason=OFFERED)
        offered.append(enrolment)
    return offered


def offer_accept(*, enrolment_id: int) -> Enrolment:
    """The trainee takes, from their personal link, the seat offered to their waitlisted
    enrolment: confirmed, or pending when the module's prerequisite has yet to be checked."""
    with transaction.atomic():
        session, enrolment = _enrolment_locked(enrolment_id)
        if not enrolment.has_outstanding_offer:
            raise EnrolmentError(
                _("Cette proposition de place n'est plus valable."), code="no_offer"
            )
        now = timezone.now()
        enrolment.status = (
            Enrolment.Status.PENDING
            if module_requires_prerequisite(session.module)
            else Enrolment.Status.CONFIRMED
        )
        enrolment.status_changed_at = now
        enrolment.offer_expires_at = None
        enrolment.save()
        _transition(enrolment, Enrolment.Status.WAITLISTED, by=Actor.trainee())
        mail_queue(kind=MailKind.CONFIRMATION, enrolment=enrolment)
    return enrolment


def offers_expire() -> int:
    """Close the offers whose time is up (`_offers_lapse`) in every session. Returns the
    number of lapsed offers. Meant to run periodically (Celery beat)."""
    now = timezone.now()
    session_ids = (
        Enrolment.objects.filter(status=Enrolment.Status.WAITLISTED, offer_expires_at__lte=now)
        .values_list("session_id", flat=True)
        .distinct()
        .order_by()
    )
    lapsed_count = 0
    for session_id in list(session_ids):
        with transaction.atomic():
            session = session_locked(pk=session_id)
            lapsed_count += len(_offers_lapse(session, now=now))
    return lapsed_count


def _offers_lapse(session: Session, *, now: datetime.datetime) -> list[Enrolment]:
    """Close the session's offers that lapsed by `now`: their holders go to the back of the
    waiting list, in their order, and the seats go to the next in line. When no one else
    waits, the seats are offered to them again rather than left free (the deadline rule of
    `waitlist_offer_next` still applies). Returns the lapsed enrolments. Call inside the
    session lock."""
    # Read inside the lock: an offer may have been accepted meanwhile.
    lapsed = list(
        session.enrolments.waitlisted().filter(offer_expires_at__lte=now).select_related("trainee")
    )
    if not lapsed:
        return []
    for index, enrolment in enumerate(lapsed):
        enrolment.offer_expires_at = None
        # A microsecond apart, so that they keep their order among themselves at the back.
        enrolment.waitlisted_at = now + datetime.timedelta(microseconds=index)
        enrolment.save(update_fields=["offer_expires_at", "waitlisted_at"])
        _transition(
            enrolment,
            Enrolment.Status.WAITLISTED,
            by=WAITLIST_RULE,
            reason=LAPSED,
        )
    # Not straight back to the people who just let their offer lapse...
    waitlist_offer_next(session=session, exclude_ids=[e.pk for e in lapsed])
    # ...unless seats are still free: then everyone else waiting has an offer.
    offered_again = {e.pk for e in waitlist_offer_next(session=session)}
    for enrolment in lapsed:
        if enrolment.pk not in offered_again:
            mail_queue(kind=MailKind.OFFER_EXPIRED, enrolment=enrolment)
    return lapsed


def enrolment_links_send(*, email: str) -> int:
    """Mail the personal link of each active enrolment of this address (once a day per
    enrolment). Returns the number of active enrolments; the caller shows the same answer
    whatever the number."""
    with transaction.atomic():
        enrolments = list(active_enrolments_for_email(email).select_for_update(of=("self",)))
        for enrolment in enrolments:
            _reminder_of_link_queue(enrolment)
    return len(enrolments)


def enrolment_confirmation_resend(*, session_id: int, email: str) -> None:
    """Mail again the confirmation link of this address's enrolment in the session (or its
    personal link, once confirmed); nothing when there is none. The caller answers the same
    either way."""
    with transaction.atomic():
        enrolment = (
            active_enrolments_for_email(email)
            .filter(session_id=session_id)
            .select_for_update(of=("self",))
            .first()
        )
        if enrolment is not None:
            _reminder_of_link_queue(enrolment)


def _reminder_of_link_queue(enrolment: Enrolment) -> None:
    """Send the owner of the address the link they need now: the confirmation link while the
    enrolment awaits it, else the personal link."""
    if enrolment.status != Enrolment.Status.UNCONFIRMED:
        _link_mail_queue(enrolment)
        return
    # Once every few minutes at most: asking again must not flood the address. Call with the
    # enrolment's row or its session's locked, so that two requests don't both send.
    recently = timezone.now() - datetime.timedelta(minutes=CONFIRMATION_RESEND_MINUTES)
    already_sent = OutboxMail.objects.filter(
        enrolment=enrolment, kind=MailKind.ADDRESS_CONFIRM, created_at__gte=recently
    ).exists()
    if not already_sent:
        mail_queue(kind=MailKind.ADDRESS_CONFIRM, enrolment=enrolment)


def _link_mail_queue(enrolment: Enrolment) -> None:
    """Queue the enrolment's personal link, once a day at most: anyone can ask for it, and
    asking again must not flood the address."""
    mail_queue(
        kind=MailKind.LINK,
        enrolment=enrolment,
        dedup_key=f"link:{enrolment.pk}:{timezone.localdate().isoformat()}",
    )


def enrolment_link_resend(*, enrolment: Enrolment) -> None:
    """Staff send an enrolment's personal link again (no daily cap: staff are not a flood).
    A closed enrolment's link shows nothing to do, so it is not sent."""
    if not enrolment.is_active:
        raise EnrolmentError(
            _("Cette inscription est close\u00a0: son lien n'est pas renvoyé."), code="not_active"
        )
    kind = (
        MailKind.ADDRESS_CONFIRM
        if enrolment.status == Enrolment.Status.UNCONFIRMED
        else MailKind.LINK
    )
    mail_queue(kind=kind, enrolment=enrolment)


def satisfaction_response_create(
    *, enrolment_id: int, answers: dict[str, Any]
) -> SatisfactionResponse:
    """Record a trainee's answer to the satisfaction questionnaire, once. Raises EnrolmentError
    when the questionnaire is not open to them (not confirmed, session not over, absent,
    already answered), ValidationError on invalid answers."""
    with transaction.atomic():
        # Lock the enrolment: a double submission waits, then finds the first answer.
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("session")
            .get(pk=enrolment_id)
        )
        if not satisfaction_open(enrolment):
            raise EnrolmentError(
                _("Ce questionnaire n'est pas ou plus ouvert."), code="satisfaction_closed"
            )
        fields = (*SATISFACTION_RATINGS, "would_recommend", "comment")
        response = SatisfactionResponse(
            enrolment=enrolment, **{name: answers.get(name) for name in fields}
        )
        response.comment = (response.comment or "").strip()
        response.full_clean()
        response.save()
    return response

"""The session lifecycle: create, change (fields and days together), submit, publish, cancel,
change capacity. The admin and the providers' space call these functions; nothing else writes a
session or its days.

Each function takes ids, locks the session row (`session_locked`) so that it works on the
session as it is now, not as a page loaded it, validates in the service (`session_check`, also
called by the forms to show errors in place), writes, and records any status change in the
transition log. The seat rules come from the enrolment services: a change that frees seats
offers them to the waiting list, a capacity cut never goes below the seats held.
"""

import dataclasses
import datetime
import enum
import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.geography import DEPARTMENTS, department_from_postcode, region_of
from catalogue.models import (
    DATE_OUT_OF_RANGE,
    Module,
    Provider,
    Session,
    SessionDay,
    Trainer,
    session_date_in_range,
)

from .mails import NOTIFIED_ON_CHANGE, MailKind, mail_queue, removed_days_note
from .model_checks import full_clean, validate_constraints
from .models import Enrolment, SessionChangeRequest
from .selectors import (
    seats_held,
    session_for_enrolment,
    session_has_ended,
    session_locked,
    with_seats_held,
)
from .services import EnrolmentError, enrolment_close, waitlist_offer_next
from .transitions import Actor, transition_record

# What a form may set on a session (status and publication date change only through the
# functions below).
SESSION_FIELDS = (
    "module",
    "provider",
    "label",
    "reference",
    "city",
    "venue_name",
    "venue_address",
    "postcode",
    "department",
    "region",
    "access_notes",
    "registration_deadline",
    "capacity",
    "min_participants",
    "opco",
    "opco_contact",
    "disability_contact_name",
    "disability_contact_email",
    "disability_contact_phone",
    "context",
    "objectives",
    "prerequisites",
    "inter_session_work",
)
DAY_FIELDS = (
    "date",
    "morning_start",
    "morning_end",
    "afternoon_start",
    "afternoon_end",
    "title",
    "content",
)

Status = Session.Status


# Rules that span a session and its days. Pure functions: the forms call them to put each
# error next to its field, the services call them again inside the lock.

DAY_BEFORE_DEADLINE = gettext_lazy("Une journée doit suivre la date limite d'inscription.")
DEADLINE_AFTER_FIRST_DAY = gettext_lazy(
    "La date limite d'inscription doit précéder le premier jour de la session."
)
PUBLISHED_WITHOUT_DAYS = gettext_lazy("Une session publiée doit avoir au moins une journée.")


def day_check(*, date: datetime.date | None, deadline: datetime.date | None) -> None:
    """A day falls between 2000 and 2100 (`session_date_in_range`), after the registration
    deadline. Raises ValidationError on `date`."""
    if date and not session_date_in_range(date):
        raise ValidationError({"date": DATE_OUT_OF_RANGE})
    if date and deadline and date <= deadline:
        raise ValidationError({"date": DAY_BEFORE_DEADLINE})


def session_check(
    *, status: str, deadline: datetime.date | None, dates: Iterable[datetime.date]
) -> None:
    """A session's deadline and days fall between 2000 and 2100, its deadline precedes its
    first day, and a published session has a day. Raises ValidationError on
    `registration_deadline` or on `days`."""
    dates = [date for date in dates if date]
    if deadline and not session_date_in_range(deadline):
        raise ValidationError({"registration_deadline": DATE_OUT_OF_RANGE})
    if not all(session_date_in_range(date) for date in dates):
        raise ValidationError({"days": DATE_OUT_OF_RANGE})
    if status == Status.PUBLISHED and not dates:
        raise ValidationError({"days": PUBLISHED_WITHOUT_DAYS})
    if deadline and dates and deadline >= min(dates):
        raise ValidationError({"registration_deadline": DEADLINE_AFTER_FIRST_DAY})


def capacity_check_seats(*, session: Session, capacity: int) -> None:
    """Raise EnrolmentError if `capacity` is below the seats the session holds (confirmed,
    pending, offered). Forms call it to show the error; the services call it again inside the
    session lock."""
    held = seats_held(session)
    if capacity < held:
        raise EnrolmentError(
            _(
                "Impossible de descendre à %(capacity)d places\u00a0: %(held)d places sont déjà "
                "occupées ou proposées."
            )
            % {"capacity": capacity, "held": held},
            code="capacity_below_seats",
        )


# The lifecycle.


def session_create(
    *,
    fields: dict[str, Any],
    days: list[dict[str, Any]] = (),
    trainer_ids: Iterable[int] = (),
    partner_ids: Iterable[int] = (),
    by: Actor,
) -> Session:
    """Create a session as a draft, with its days, trainers and funding partners."""
    with transaction.atomic():
        session = Session(status=Status.DRAFT, **_session_values(fields))
        full_clean(session)
        session_check(
            status=session.status,
            deadline=session.registration_deadline,
            dates=[day.get("date") for day in days],
        )
        session.save()
        _days_save(session, days)
        session.trainers.set(trainer_ids)
        session.partners.set(partner_ids)
        transition_record(session=session, to_status=session.status, by=by)
    return session


def session_change(
    *,
    session_id: int,
    fields: dict[str, Any],
    days: list[dict[str, Any]] | None = None,
    trainer_ids: Iterable[int] | None = None,
    partner_ids: Iterable[int] | None = None,
    by: Actor,
    change_stamp: str | None = None,
) -> Session:
    """Change a session's fields and, when `days` is given, replace its days by these (a day
    with an "id" keeps its row, and its attendance; days left out are deleted). The status does
    not change here. A new capacity follows `session_capacity_change`'s rules; seats freed by
    the change (a larger capacity, a later deadline) are offered to the waiting list. When the
    days, hours or place of a published session change, its trainees are told
    (`session_changed_notify`, once per `change_stamp`: the session's new modification time
    unless given)."""
    values = _session_values(fields)
    with transaction.atomic():
        session = session_locked(pk=session_id)
        schedule_before = _schedule_key(session)
        days_before = list(session.sorted_days)
        if trainer_ids is not None:
            trainer_ids = list(trainer_ids)
        losses = published_losses(
            session,
            venue_address=values.get("venue_address", session.venue_address),
            has_days=bool(days) if days is not None else bool(days_before),
            opco_contact_id=(
                getattr(values["opco_contact"], "pk", values["opco_contact"])
                if "opco_contact" in values
                else session.opco_contact_id
            ),
            has_trainers=bool(trainer_ids)
            if trainer_ids is not None
            else bool(session.trainers.all()),
            deadline=values.get("registration_deadline", session.registration_deadline),
        )
        if losses:
            raise ValidationError(losses)
        capacity = values.pop("capacity", session.capacity)
        for name, value in values.items():
            setattr(session, name, value)
        if capacity != session.capacity:
            _capacity_check(session, capacity)
            session.capacity = capacity
        full_clean(session)
        dates = (
            [day.get("date") for day in days]
            if days is not None
            else [day.date for day in session.days.all()]
        )
        session_check(status=session.status, deadline=session.registration_deadline, dates=dates)
        session.save()
        if days is not None:
            _days_save(session, days)
            # The prefetched days are stale now; the offer rules below read them.
            session = session_locked(pk=session_id)
        if trainer_ids is not None:
            session.trainers.set(trainer_ids)
        if partner_ids is not None:
            session.partners.set(partner_ids)
        waitlist_offer_next(session=session)
        if session.status == Status.PUBLISHED and _schedule_key(session) != schedule_before:
            kept = {day.pk for day in session.sorted_days}
            session_changed_notify(
                session=session,
                stamp=change_stamp or f"{session.updated_at:%Y%m%d%H%M%S%f}",
                removed_days=[day for day in days_before if day.pk not in kept],
            )
    return session


def session_submit(*, session_id: int, by: Actor) -> Session:
    """A provider sends its draft to the OPCO, which publishes it."""
    with transaction.atomic():
        session = session_locked(pk=session_id)
        if session.status != Status.DRAFT:
            raise ValidationError(_("Seule une session en brouillon peut être soumise."))
        _status_set(session, Status.SUBMITTED, by=by)
    return session


# What publication requires, by the field that holds it: how session_missing_for_publication
# names it, and the error a change that would take it from a published session gets.
PUBLICATION_NEEDS = {
    "venue_address": (
        gettext_lazy("l'adresse du lieu"),
        gettext_lazy("Une session publiée garde l'adresse de son lieu."),
    ),
    "days": (
        gettext_lazy("au moins une journée"),
        PUBLISHED_WITHOUT_DAYS,
    ),
    "opco_contact": (
        gettext_lazy("l'interlocuteur OPCO"),
        gettext_lazy("Une session publiée garde un interlocuteur OPCO."),
    ),
    "trainers": (
        gettext_lazy("les intervenants"),
        gettext_lazy("Une session publiée garde au moins un intervenant."),
    ),
    "registration_deadline": (
        gettext_lazy("la date limite d'inscription"),
        gettext_lazy("Une session publiée garde une date limite d'inscription."),
    ),
}


def _publication_gaps(
    *,
    venue_address: str | None,
    has_days: bool,
    opco_contact_id: int | None,
    has_trainers: bool,
    deadline: datetime.date | None,
) -> list[str]:
    """The PUBLICATION_NEEDS fields these values leave empty, in their order."""
    filled = {
        "venue_address": bool((venue_address or "").strip()),
        "days": has_days,
        "opco_contact": opco_contact_id is not None,
        "trainers": has_trainers,
        "registration_deadline": deadline is not None,
    }
    return [name for name in PUBLICATION_NEEDS if not filled[name]]


def _session_gaps(session: Session) -> list[str]:
    return _publication_gaps(
        venue_address=session.venue_address,
        has_days=bool(session.days.all()),
        opco_contact_id=session.opco_contact_id,
        has_trainers=bool(session.trainers.all()),
        deadline=session.registration_deadline,
    )


def sessions_left_without_trainers(trainer_ids: Iterable[int]) -> QuerySet[Session]:
    """The published sessions whose trainers are all among these: deleting them would leave the
    sessions without the trainers their publication required (the admin refuses it)."""
    trainer_ids = list(trainer_ids)
    links = Session.trainers.through.objects
    return Session.objects.filter(
        status=Status.PUBLISHED,
        pk__in=links.filter(trainer__in=trainer_ids).values("session"),
    ).exclude(Exists(links.filter(session=OuterRef("pk")).exclude(trainer__in=trainer_ids)))


def session_missing_for_publication(session: Session) -> list[str]:
    """What a session lacks to be published, in words for staff ("l'adresse du lieu"), in
    this order; empty when it is complete. The admin's confirmation page lists it and
    session_publish refuses through it. Reads the days and trainers (prefetch them for a
    list)."""
    return [str(PUBLICATION_NEEDS[name][0]) for name in _session_gaps(session)]


def published_losses(
    session: Session,
    *,
    venue_address: str | None,
    has_days: bool,
    opco_contact_id: int | None,
    has_trainers: bool,
    deadline: datetime.date | None,
) -> dict[str, str]:
    """What a change giving the session these values would take from it that publication
    requires, when it is published: {field: error}, empty when nothing. A published session
    stays as complete as it was (session_missing_for_publication's rule); what it already
    lacked is not asked of every change. `session` is read as it is before the change (its days
    and trainers from the database or their prefetch). The admin's forms and the providers'
    checks call it to show each error on its field; session_change calls it again under the
    lock."""
    if session.pk is None or session.status != Status.PUBLISHED:
        return {}
    before = set(_session_gaps(session))
    after = _publication_gaps(
        venue_address=venue_address,
        has_days=has_days,
        opco_contact_id=opco_contact_id,
        has_trainers=has_trainers,
        deadline=deadline,
    )
    return {name: str(PUBLICATION_NEEDS[name][1]) for name in after if name not in before}


def session_publish(*, session_id: int, by: Actor) -> tuple[Session, bool]:
    """Publish a complete session (session_missing_for_publication): it enters the public
    catalogue. `published_at` keeps the first publication, so that a session cancelled later
    still shows its page (as cancelled). Publishing a published session changes nothing.
    Returns the session and whether this call published it (False: it already was)."""
    with transaction.atomic():
        session = session_locked(pk=session_id)
        if session.status == Status.CANCELLED:
            raise ValidationError(_("Une session annulée ne peut pas être publiée."))
        if session.status == Status.PUBLISHED:
            return session, False
        missing = session_missing_for_publication(session)
        if missing:
            raise ValidationError(
                _("Il manque à la session, pour être publiée : %(missing)s.")
                % {"missing": ", ".join(missing)},
                code="incomplete",
            )
        dates = [day.date for day in session.days.all()]
        session.full_clean()
        session_check(status=Status.PUBLISHED, deadline=session.registration_deadline, dates=dates)
        if session.published_at is None:
            session.published_at = timezone.now()
        _status_set(session, Status.PUBLISHED, by=by, also=["published_at"])
    return session, True


def session_cancel(*, session_id: int, reason: str = "", by: Actor) -> list[Enrolment]:
    """Cancel a session: it is marked cancelled (its page says so and takes no enrolment) and
    every active enrolment, confirmed, pending or on the waiting list, is cancelled with a mail
    to its trainee (an address never confirmed gets none); no seat is offered. Run again on a
    cancelled session, it cancels and mails only what was left active (a status changed by
    hand). Refused once the session is over. Returns the enrolments cancelled."""
    reason = reason.strip()
    with transaction.atomic():
        session = session_locked(pk=session_id)
        if session_has_ended(session):
            raise EnrolmentError(
                _("Une session terminée ne peut pas être annulée."), code="session_over"
            )
        if session.status != Status.CANCELLED:
            _status_set(session, Status.CANCELLED, by=by, reason=reason)
        enrolments = list(session.enrolments.active().select_related("trainee"))
        for enrolment in enrolments:
            previous = enrolment_close(enrolment)
            enrolment.save()
            transition_record(
                session=session,
                enrolment=enrolment,
                from_status=previous,
                to_status=enrolment.status,
                by=by,
                reason=_("Session annulée"),
            )
            if previous == Enrolment.Status.UNCONFIRMED:
                continue  # an address never confirmed gets nothing more
            mail_queue(
                kind=MailKind.SESSION_CANCELLED,
                enrolment=enrolment,
                session=session,
                note=reason,
                dedup_key=f"session_cancelled:{enrolment.pk}",
            )
    return enrolments


def session_capacity_change(*, session_id: int, capacity: int, by: Actor) -> Session:
    """Set a session's number of seats. Refused below the seats held (confirmed, pending,
    offered) or below the session's minimum; seats it frees are offered to the waiting list."""
    with transaction.atomic():
        session = session_locked(pk=session_id)
        _capacity_check(session, capacity)
        session.capacity = capacity
        session.full_clean()
        session.save(update_fields=["capacity", "updated_at"])
        # Does nothing when no seat is free.
        waitlist_offer_next(session=session)
    return session


def _capacity_check(session: Session, capacity: int) -> None:
    # Counted inside the lock, like every seat count.
    capacity_check_seats(session=session, capacity=capacity)
    if capacity < session.min_participants:
        raise EnrolmentError(
            _(
                "Le nombre de places ne peut pas être inférieur au minimum de participants "
                "(%(minimum)d)."
            )
            % {"minimum": session.min_participants},
            code="capacity_below_minimum",
        )


def _status_set(
    session: Session, status: str, *, by: Actor, reason: str = "", also: Iterable[str] = ()
) -> None:
    previous = session.status
    session.status = status
    session.save(update_fields=["status", *also, "updated_at"])
    transition_record(session=session, from_status=previous, to_status=status, by=by, reason=reason)


def _session_values(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"Not session fields: {sorted(unknown)}")
    return dict(fields)


def _days_save(session: Session, days: list[dict[str, Any]]) -> None:
    """Make the session's days these: update the rows whose id is given, create the others,
    delete the rest."""
    existing = {day.pk: day for day in SessionDay.objects.filter(session=session)}
    kept = {day["id"] for day in days if day.get("id") in existing}
    SessionDay.objects.filter(session=session).exclude(pk__in=kept).delete()
    for values in days:
        day = existing.get(values.get("id")) or SessionDay(session=session)
        for name in DAY_FIELDS:
            setattr(day, name, values.get(name) or ("" if name in ("title", "content") else None))
        full_clean(day)
        day.save()


# The providers' space and spreadsheet upload: a provider proposes sessions; a change to the
# dates, place or seats of a published session waits for the OPCO's approval.


class ProviderSaveOutcome(enum.StrEnum):
    CREATED = "created"  # a new session, now "submitted"
    # A draft or submitted session changed (now "submitted"), or only fields that need no
    # approval changed on a published one.
    CHANGED = "changed"
    PROPOSED = "proposed"  # a published session: the change waits for the OPCO
    UNCHANGED = "unchanged"  # nothing differs (from the pending proposal, where there is one)


# What a provider may set: not its provider, nor the OPCO's contact.
PROVIDER_FIELDS = tuple(
    name for name in SESSION_FIELDS if name not in ("provider", "opco", "opco_contact")
)
# Once a session is published, a change to these (or to its days) waits for the OPCO.
APPROVAL_FIELDS = (
    "module",
    "city",
    "venue_name",
    "venue_address",
    "postcode",
    "department",
    "region",
    "registration_deadline",
    "capacity",
    "min_participants",
)
# What the trainees are told about when it changes: the days, their hours, the place.
SCHEDULE_FIELDS = ("city", "venue_name", "venue_address", "postcode")
DAY_TIMES = ("morning_start", "morning_end", "afternoon_start", "afternoon_end")
HALF_DAYS = (("morning_start", "morning_end"), ("afternoon_start", "afternoon_end"))

UNKNOWN_POSTCODE = gettext_lazy("Ce code postal ne correspond à aucun département.")
NO_DAY = gettext_lazy("Indiquez au moins une journée.")
SAME_DATE_TWICE = gettext_lazy("La date %(date)s figure deux fois.")
NOT_OWN_TRAINER = gettext_lazy("Choisissez des intervenants de l'organisme.")
# The words of the constraint itself (session_capacity_gte_minimum), which _plan_check says on
# the minimum's field before the database would.
MINIMUM_OVER_CAPACITY = next(
    constraint.violation_error_message
    for constraint in Session._meta.constraints
    if constraint.name == "session_capacity_gte_minimum"
)
NOT_PROVIDER_SESSION = gettext_lazy("Cette session n'est pas une session de l'organisme.")
SESSION_CLOSED = gettext_lazy("Une session annulée ou terminée ne peut plus être modifiée.")


@dataclasses.dataclass(frozen=True)
class ProviderReads:
    """What a provider's checks read of the provider itself: its trainers (id -> full name).
    Read once (`provider_reads`) and passed for many sessions, as the spreadsheet upload
    does."""

    trainers: dict[int, str]


def provider_reads(provider_id: int) -> ProviderReads:
    trainers = Trainer.objects.filter(provider_id=provider_id).only("pk", "first_name", "last_name")
    return ProviderReads(trainers={trainer.pk: trainer.full_name for trainer in trainers})


# A session's pending proposal, read with the session (`pending_change_request` uses it).
PENDING_CHANGE_PREFETCH = Prefetch(
    "change_requests",
    queryset=SessionChangeRequest.objects.filter(
        status=SessionChangeRequest.Status.PENDING
    ).order_by("pk"),
    to_attr="pending_change_requests",
)


def sessions_for_provider_checks(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions with all that `session_provider_check` and `session_provider_changes` read:
    their module, days, trainers, pending proposal and seats held; no query per session."""
    return (
        with_seats_held(queryset)
        .select_related("module", "provider")
        .prefetch_related(
            Prefetch("days", queryset=SessionDay.objects.order_by("date")),
            "trainers",
            PENDING_CHANGE_PREFETCH,
        )
    )


@dataclasses.dataclass
class _Plan:
    """What a provider's save would make of a session: `desired` holds every PROVIDER_FIELDS
    value, `days` the days as `_days_save` takes them (with the id of the day each one keeps).
    `baseline` is what the provider compares with: the session, with its pending proposal
    applied. `trainer_ids` is what the session's trainers would be: those the provider chose
    (`chosen_trainer_ids`, checked against its own) and those of other providers that the
    OPCO added, which the provider neither sees nor removes."""

    session: Session | None
    provider_id: int
    desired: dict[str, Any]
    days: list[dict[str, Any]]
    trainer_ids: list[int]
    baseline: dict[str, Any]
    baseline_days: list[dict[str, Any]]
    baseline_trainer_ids: list[int]
    given: tuple[str, ...]
    chosen_trainer_ids: list[int] = dataclasses.field(default_factory=list)
    reads: ProviderReads | None = None
    # Every trainer's name the changes may show (the session's and the provider's).
    trainer_names: dict[int, str] = dataclasses.field(default_factory=dict)

    @property
    def target_status(self) -> str:
        if self.session is None or self.session.status == Status.DRAFT:
            return Status.SUBMITTED
        return self.session.status

    def changed_fields(self) -> list[str]:
        return [name for name in self.given if self.desired[name] != self.baseline[name]]

    def days_changed(self) -> bool:
        return _days_key(self.days) != _days_key(self.baseline_days)

    def trainers_changed(self) -> bool:
        return sorted(self.trainer_ids) != sorted(self.baseline_trainer_ids)


def _days_key(days: Iterable[dict[str, Any]]) -> list[tuple]:
    return sorted((day.get("date"), *(day.get(name) for name in DAY_TIMES)) for day in days)


def _session_values_of(session: Session) -> dict[str, Any]:
    return {name: getattr(session, name) for name in PROVIDER_FIELDS}


def _day_values(day: SessionDay) -> dict[str, Any]:
    return {"id": day.pk, **{name: getattr(day, name) for name in DAY_FIELDS}}


def _session_days(session: Session) -> list[dict[str, Any]]:
    return [_day_values(day) for day in session.sorted_days]


def pending_change_request(session: Session):
    """The session's proposal waiting for the OPCO, or None. Reads PENDING_CHANGE_PREFETCH
    where the session was read with it."""
    prefetched = getattr(session, "pending_change_requests", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return (
        session.change_requests.filter(status=SessionChangeRequest.Status.PENDING)
        .order_by("pk")
        .first()
    )


def _proposal_load(request) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """A proposal's fields and days as Python values (None: the days do not change)."""
    fields = {}
    for name, value in request.fields.items():
        if name == "module":
            # None if it was deleted since: the checks then refuse the proposal on "module".
            fields[name] = Module.objects.filter(pk=value).first()
        else:
            fields[name] = Session._meta.get_field(name).to_python(value)
    days = None
    if request.days:
        days = [
            {
                "id": day.get("id"),
                **{
                    name: SessionDay._meta.get_field(name).to_python(day.get(name))
                    for name in DAY_FIELDS
                },
            }
            for day in request.days
        ]
    return fields, days


def _json(value: Any) -> Any:
    """A value as the JSONField gives it back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _proposal_dump(fields: dict[str, Any], days: list[dict[str, Any]] | None) -> tuple[dict, list]:
    fields = {name: value.pk if name == "module" else value for name, value in fields.items()}
    return _json(fields), _json(days or [])


def _fields_normalised(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(PROVIDER_FIELDS)
    if unknown:
        raise TypeError(f"Not provider fields: {sorted(unknown)}")
    fields = dict(fields)
    postcode = fields.get("postcode")
    if postcode and "department" not in fields and "region" not in fields:
        # Derived from the postcode; an unknown one is refused on the postcode (_plan_check).
        department = department_from_postcode(str(postcode))
        fields["department"] = department if department in DEPARTMENTS else ""
        fields["region"] = region_of(department) if department in DEPARTMENTS else ""
    return fields


def _days_normalised(session: Session | None, days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every day with all of DAY_FIELDS, and the id of the day of the session it keeps (given,
    else the day of the same date), so that its attendance stays; a day's title and content,
    which the provider does not set, stay as they were."""
    existing = {day.pk: day for day in session.days.all()} if session is not None else {}
    by_date = {day.date: day for day in existing.values()}
    result = []
    taken = set()
    for values in days:
        day = existing.get(values.get("id")) or by_date.get(values.get("date"))
        if day is not None and day.pk in taken:
            day = None
        normalised = {name: values.get(name) for name in DAY_FIELDS}
        for name in ("title", "content"):
            if name not in values:
                normalised[name] = getattr(day, name) if day is not None else ""
        if day is not None:
            taken.add(day.pk)
            normalised = {"id": day.pk, **normalised}
        result.append(normalised)
    return result


def _plan(
    *,
    provider_id: int,
    session: Session | None,
    fields: dict[str, Any],
    days: list[dict[str, Any]],
    trainer_ids: Iterable[int],
    reads: ProviderReads | None = None,
) -> _Plan:
    """The plan of a provider's save. Reads the session's prefetched days, trainers and
    pending proposal (`sessions_for_provider_checks`), and the provider's trainers from
    `reads` (read here when not given)."""
    fields = _fields_normalised(fields)
    reads = reads if reads is not None else provider_reads(provider_id)
    current_trainers = list(session.trainers.all()) if session is not None else []
    if session is None:
        defaults = {name: Session._meta.get_field(name).get_default() for name in PROVIDER_FIELDS}
        defaults["module"] = None
        baseline, baseline_days = defaults, []
    else:
        baseline = _session_values_of(session)
        baseline_days = _session_days(session)
        pending = pending_change_request(session)
        if pending is not None and session.status == Status.PUBLISHED:
            proposed_fields, proposed_days = _proposal_load(pending)
            baseline.update(proposed_fields)
            if proposed_days is not None:
                baseline_days = proposed_days
    chosen = set(trainer_ids)
    # The OPCO's additions (another provider's trainers) stay: the provider chooses its own.
    added_by_opco = {t.pk for t in current_trainers if t.provider_id != provider_id}
    return _Plan(
        session=session,
        provider_id=provider_id,
        desired={**baseline, **fields},
        days=_days_normalised(session, days),
        trainer_ids=sorted(chosen | added_by_opco),
        baseline=baseline,
        baseline_days=baseline_days,
        baseline_trainer_ids=sorted(trainer.pk for trainer in current_trainers),
        given=tuple(name for name in PROVIDER_FIELDS if name in fields),
        # Sent back with the provider's own (as session_provider_values gives them), the
        # OPCO's additions are no choice to check.
        chosen_trainer_ids=sorted(chosen - added_by_opco),
        reads=reads,
        trainer_names={
            **reads.trainers,
            **{trainer.pk: trainer.full_name for trainer in current_trainers},
        },
    )


def _plan_checked(**arguments: Any) -> _Plan:
    """The plan of a provider's save (`_plan`'s arguments), every rule checked
    (`_plan_check`): what the check, the save and the OPCO's approval all start with."""
    plan = _plan(**arguments)
    _plan_check(plan)
    return plan


def session_provider_closed(session: Session) -> bool:
    """Whether a provider may no longer change the session: cancelled, or over."""
    return session.status == Status.CANCELLED or session_has_ended(session)


def _about_day(label: str, message: str) -> str:
    """One sentence about one day: "10/03/2027 – une journée doit suivre la date limite
    d'inscription." (the message's first letter lowered: it follows the date)."""
    message = str(message)
    return f"{label}\u00a0– {message[:1].lower()}{message[1:]}"


def _plan_check(plan: _Plan) -> None:
    """Every rule of a provider's save, on the values it would write; raises ValidationError
    with every error found, keyed by field ("days", "trainers", NON_FIELD_ERRORS)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, error: ValidationError | str) -> None:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        errors.setdefault(field, []).extend(messages)

    session = plan.session
    if session is not None:
        if session.provider_id != plan.provider_id:
            raise ValidationError({NON_FIELD_ERRORS: [NOT_PROVIDER_SESSION]})
        if session_provider_closed(session):
            raise ValidationError({NON_FIELD_ERRORS: [SESSION_CLOSED]})
    desired = plan.desired
    if "postcode" in plan.given and desired.get("postcode") and not desired.get("department"):
        add("postcode", UNKNOWN_POSTCODE)
    candidate = Session(
        pk=session.pk if session is not None else None,
        provider_id=plan.provider_id,
        status=plan.target_status,
        **{name: value for name, value in desired.items() if name != "module"},
    )
    if desired.get("module") is not None:
        candidate.module = desired["module"]
    # The row itself, not a new one: the uniqueness checks leave it out.
    candidate._state.adding = session is None
    try:
        # A module read from the database exists: no query to check it again.
        module_read = isinstance(desired.get("module"), Module) and desired["module"].pk
        candidate.full_clean(
            exclude={"provider", "opco_contact", *(["module"] if module_read else [])},
            validate_constraints=False,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field in ("department", "region") and "postcode" in errors:
                continue  # said on the postcode
            for message in messages:
                add(field, message)
    try:
        # The reference is unique per provider; capacity against the minimum is said below.
        validate_constraints(candidate, exclude={"min_participants"})
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            add("reference" if field == NON_FIELD_ERRORS else field, " ".join(messages))
    capacity, minimum = desired.get("capacity"), desired.get("min_participants")
    if isinstance(capacity, int) and isinstance(minimum, int) and minimum > capacity:
        add("min_participants", MINIMUM_OVER_CAPACITY)
    if (
        session is not None
        and isinstance(capacity, int)
        and capacity != session.capacity
        and "capacity" not in errors
    ):
        try:
            capacity_check_seats(session=session, capacity=capacity)
        except EnrolmentError as error:
            add("capacity", error.message)

    deadline = desired.get("registration_deadline")
    if not plan.days:
        add("days", NO_DAY)
    seen = set()
    for values in plan.days:
        date = values.get("date")
        label = f"{date:%d/%m/%Y}" if isinstance(date, datetime.date) else _("Journée sans date")
        if date in seen:
            add("days", SAME_DATE_TWICE % {"date": label})
        seen.add(date)
        day = SessionDay(**{name: values.get(name) for name in DAY_FIELDS})
        try:
            full_clean(day, exclude={"session"})
        except ValidationError as error:
            for message in error.messages:
                add("days", _about_day(label, message))
        try:
            day_check(date=date, deadline=deadline)
        except ValidationError as error:
            for message in error.messages:
                add("days", _about_day(label, message))
    if "registration_deadline" not in errors:
        try:
            session_check(
                status=plan.target_status,
                deadline=deadline,
                dates=[d["date"] for d in plan.days if isinstance(d.get("date"), datetime.date)],
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    if message not in errors.get(field, []):
                        add(field, message)

    if not set(plan.chosen_trainer_ids) <= set(plan.reads.trainers):
        add("trainers", NOT_OWN_TRAINER)
    if session is not None:
        losses = published_losses(
            session,
            venue_address=desired.get("venue_address"),
            has_days=bool(plan.days),
            opco_contact_id=session.opco_contact_id,
            has_trainers=bool(plan.trainer_ids),
            deadline=desired.get("registration_deadline"),
        )
        for field, message in losses.items():
            if message not in errors.get(field, []):
                add(field, message)
    if errors:
        raise ValidationError(errors)


@dataclasses.dataclass(frozen=True)
class SessionFieldChange:
    """One change: `name` is a PROVIDER_FIELDS name, "days" or "trainers"; `old` and `new`
    are values, not text: a Module, a date, a number, a department's or region's name, the
    days as unsaved SessionDay rows sorted by date, the trainers' names. The pages write them
    (templates/enrolment/_session_change_value.html), as the fiche writes dates and hours."""

    name: str
    label: str
    old: Any
    new: Any


@dataclasses.dataclass(frozen=True)
class SessionChanges:
    """What a provider's save, or a proposal, changes, by field name (in the form's order);
    `needs_approval` when it changes a published session's APPROVAL_FIELDS or days, which wait
    for the OPCO. Iterates over its SessionFieldChange; false when nothing changes."""

    by_name: dict[str, SessionFieldChange]
    needs_approval: bool = False

    @classmethod
    def none(cls) -> "SessionChanges":
        return cls(by_name={})

    def __iter__(self):
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def __getitem__(self, name: str) -> SessionFieldChange:
        return self.by_name[name]


def _change_value(name: str, value: Any) -> Any:
    if name in ("department", "region") and value:
        # The code's meaning (a department's name), not a format.
        return str(dict(Session._meta.get_field(name).flatchoices).get(value, value))
    return value


def _day_rows(days: list[dict[str, Any]]) -> list[SessionDay]:
    rows = [SessionDay(**{name: day.get(name) for name in DAY_FIELDS}) for day in days]
    return sorted(rows, key=lambda day: day.date or datetime.date.min)


def _trainer_names(plan: _Plan, trainer_ids: list[int]) -> list[str]:
    names = [plan.trainer_names[pk] for pk in trainer_ids if pk in plan.trainer_names]
    if len(names) < len(trainer_ids):
        # A trainer the plan did not read (an id from elsewhere): one query, rarely.
        names = [trainer.full_name for trainer in Trainer.objects.filter(pk__in=trainer_ids)]
    return sorted(names)


def _plan_changes(plan: _Plan) -> SessionChanges:
    changes = {}
    for name in plan.changed_fields():
        changes[name] = SessionFieldChange(
            name=name,
            label=str(capfirst(Session._meta.get_field(name).verbose_name)),
            old=_change_value(name, plan.baseline[name]),
            new=_change_value(name, plan.desired[name]),
        )
    if plan.days_changed():
        changes["days"] = SessionFieldChange(
            name="days",
            label=str(_("Journées")),
            old=_day_rows(plan.baseline_days),
            new=_day_rows(plan.days),
        )
    if plan.trainers_changed():
        changes["trainers"] = SessionFieldChange(
            name="trainers",
            label=str(_("Intervenants")),
            old=_trainer_names(plan, plan.baseline_trainer_ids),
            new=_trainer_names(plan, plan.trainer_ids),
        )
    published = plan.session is not None and plan.session.status == Status.PUBLISHED
    return SessionChanges(
        by_name=changes,
        needs_approval=published and any(name in (*APPROVAL_FIELDS, "days") for name in changes),
    )


def session_provider_changes(
    *,
    session: Session | None,
    fields: dict[str, Any],
    days: list[dict[str, Any]],
    trainer_ids: Iterable[int],
    reads: ProviderReads | None = None,
) -> SessionChanges:
    """What a provider's save would change (SessionChanges; false when nothing). A published
    session is compared with its pending proposal, if any. No write."""
    plan = _plan(
        provider_id=session.provider_id if session is not None else 0,
        session=session,
        fields=fields,
        days=days,
        trainer_ids=trainer_ids,
        reads=reads,
    )
    return _plan_changes(plan)


def session_provider_check(
    *,
    provider_id: int,
    session_id: int | None = None,
    session: Session | None = None,
    fields: dict[str, Any],
    days: list[dict[str, Any]],
    trainer_ids: Iterable[int],
    reads: ProviderReads | None = None,
) -> SessionChanges:
    """Every rule session_provider_save applies, without writing; raises ValidationError whose
    error_dict is keyed by field name ("days" for the days, "trainers", "capacity" for the
    seats held, NON_FIELD_ERRORS for a session not the provider's, cancelled or over). Returns
    what the save would change (as session_provider_changes). The session is `session_id`'s,
    or `session` as read by `sessions_for_provider_checks` (none: a new one); `reads` the
    provider's, read once for many sessions."""
    if session is None and session_id is not None:
        session = sessions_for_provider_checks(Session.objects.filter(pk=session_id)).first()
        if session is None:
            raise ValidationError({NON_FIELD_ERRORS: [NOT_PROVIDER_SESSION]})
    plan = _plan_checked(
        provider_id=provider_id,
        session=session,
        fields=fields,
        days=days,
        trainer_ids=trainer_ids,
        reads=reads,
    )
    return _plan_changes(plan)


def _provider_session_locked(session_id: int) -> Session:
    try:
        session = session_locked(pk=session_id)
    except Session.DoesNotExist:
        raise ValidationError({NON_FIELD_ERRORS: [NOT_PROVIDER_SESSION]}) from None
    prefetch_related_objects([session], "trainers", PENDING_CHANGE_PREFETCH)
    return session


def session_provider_save(
    *,
    provider_id: int,
    session_id: int | None,
    fields: dict[str, Any],
    days: list[dict[str, Any]],
    trainer_ids: list[int],
    by: Actor,
    reads: ProviderReads | None = None,
) -> tuple[Session, ProviderSaveOutcome]:
    """Create (as submitted) or change a session of this provider. `fields`: PROVIDER_FIELDS
    values (module as a Module instance; department and region derived from the postcode when
    not given); `days`: dicts of DAY_FIELDS (a day may carry the "id" of an existing day to
    keep its attendance; days matched by date otherwise). `trainer_ids` are the provider's
    choice among its own trainers: the trainers of other providers that the OPCO added stay.
    The session must be the provider's and neither cancelled nor over. `reads`: the
    provider's (`provider_reads`), when many sessions are saved.

    A draft or submitted session is changed and (again) submitted. On a published session,
    the fields outside APPROVAL_FIELDS apply at once; a change to APPROVAL_FIELDS or the days
    becomes the session's pending SessionChangeRequest (replacing an older one), which OPCO
    staff approve (`session_change_approve`) or reject. Atomic, locks the session row; raises
    ValidationError as session_provider_check does."""
    with transaction.atomic():
        session = _provider_session_locked(session_id) if session_id is not None else None
        plan = _plan_checked(
            provider_id=provider_id,
            session=session,
            fields=fields,
            days=days,
            trainer_ids=trainer_ids,
            reads=reads,
        )
        if session is None:
            provider = Provider.objects.select_related("opco").get(pk=provider_id)
            created = session_create(
                # A provider's new session joins its OPCO's programme.
                fields={**plan.desired, "provider": provider, "opco": provider.opco},
                days=plan.days,
                trainer_ids=plan.trainer_ids,
                by=by,
            )
            # Created in this transaction: no one else sees it yet, no lock to take.
            _status_set(created, Status.SUBMITTED, by=by)
            return created, ProviderSaveOutcome.CREATED
        if session.status in (Status.DRAFT, Status.SUBMITTED):
            changed = plan.changed_fields()
            if not changed and not plan.days_changed() and not plan.trainers_changed():
                return session, ProviderSaveOutcome.UNCHANGED
            session = session_change(
                session_id=session.pk,
                fields={name: plan.desired[name] for name in changed},
                days=plan.days,
                trainer_ids=plan.trainer_ids,
                by=by,
            )
            if session.status == Status.DRAFT:
                # Locked by session_change, in this transaction.
                _status_set(session, Status.SUBMITTED, by=by)
            return session, ProviderSaveOutcome.CHANGED
        return _published_save(session, plan, by=by)


def _published_save(
    session: Session, plan: _Plan, *, by: Actor
) -> tuple[Session, ProviderSaveOutcome]:
    current = _session_values_of(session)
    immediate = {
        name: plan.desired[name]
        for name in plan.given
        if name not in APPROVAL_FIELDS and plan.desired[name] != current[name]
    }
    trainers_changed = plan.trainers_changed()
    outcome = ProviderSaveOutcome.UNCHANGED
    if immediate or trainers_changed:
        session = session_change(
            session_id=session.pk,
            fields=immediate,
            trainer_ids=plan.trainer_ids if trainers_changed else None,
            by=by,
        )
        outcome = ProviderSaveOutcome.CHANGED
    proposed_fields = {
        name: plan.desired[name] for name in APPROVAL_FIELDS if plan.desired[name] != current[name]
    }
    days_changed = _days_key(plan.days) != _days_key(_session_days(session))
    proposed = _proposal_dump(proposed_fields, plan.days if days_changed else None)
    # Locked: staff may be rejecting it at this moment (the rejection locks only the proposal).
    pending = (
        SessionChangeRequest.objects.select_for_update()
        .filter(session=session, status=SessionChangeRequest.Status.PENDING)
        .first()
    )
    if pending is not None and (pending.fields, pending.days) == proposed:
        return session, outcome
    if pending is not None:
        # A newer proposal (or the published values again) replaces it.
        pending.status = SessionChangeRequest.Status.REPLACED
        pending.decided_at = timezone.now()
        pending.save(update_fields=["status", "decided_at"])
    if not proposed_fields and not days_changed:
        return session, ProviderSaveOutcome.CHANGED if pending is not None else outcome
    SessionChangeRequest.objects.create(
        session=session,
        fields=proposed[0],
        days=proposed[1],
        requested_by=by.user,
    )
    return session, ProviderSaveOutcome.PROPOSED


# What the trainees are told when it changes, and the OPCO's decision on a proposal.


def _schedule_key(session: Session) -> tuple:
    """The days, their hours and the place, as the trainees know them. Reads the prefetched
    days."""
    days = tuple(
        (day.date, *(getattr(day, name) for name in DAY_TIMES)) for day in session.sorted_days
    )
    return (days, *(getattr(session, name) for name in SCHEDULE_FIELDS))


def session_changed_notify(
    *, session: Session, stamp: str, removed_days: Iterable[SessionDay] = ()
) -> int:
    """Queue the "session changed" mail, with its new days, hours and place and an updated
    calendar, to every confirmed, pending and waitlisted trainee of the session; once per
    `stamp` (a change request's id, or the change's time) and enrolment. `removed_days`: the
    days the change deleted (read before), which the calendar cancels. Call inside the
    transaction of the change. Returns the number of mails queued."""
    note = removed_days_note(removed_days)
    queued = 0
    enrolments = session.enrolments.filter(status__in=NOTIFIED_ON_CHANGE).select_related("trainee")
    for enrolment in enrolments:
        mail = mail_queue(
            kind=MailKind.SESSION_CHANGED,
            enrolment=enrolment,
            note=note,
            dedup_key=f"session_changed:{stamp}:{enrolment.pk}",
        )
        queued += mail is not None
    return queued


def _change_request_locked(request_id: int) -> SessionChangeRequest:
    try:
        request = SessionChangeRequest.objects.select_for_update().get(pk=request_id)
    except SessionChangeRequest.DoesNotExist:
        raise ValidationError(_("Cette modification proposée n'existe plus.")) from None
    if request.status != SessionChangeRequest.Status.PENDING:
        raise ValidationError(
            _("Cette modification a déjà été traitée (%(status)s).")
            % {"status": request.get_status_display()}
        )
    return request


def session_change_approve(*, request_id: int, by: Actor) -> Session:
    """Apply a provider's pending proposal to its published session (session_change: every
    rule again, seats held counted under the lock), mark it approved and tell the trainees when
    the days, hours or place changed (once for this request). Raises ValidationError or
    EnrolmentError, changing nothing, when a rule refuses it now."""
    session_id = (
        SessionChangeRequest.objects.filter(pk=request_id).values_list("session", flat=True).first()
    )
    if session_id is None:
        raise ValidationError(_("Cette modification proposée n'existe plus."))
    with transaction.atomic():
        # The session first, as every writer of it locks it: then the proposal.
        session = session_locked(pk=session_id)
        request = _change_request_locked(request_id)
        if session.status != Status.PUBLISHED:
            raise ValidationError(
                _("Seule la modification d'une session publiée peut être approuvée.")
            )
        fields, days = _proposal_load(request)
        plan = _plan_checked(
            provider_id=session.provider_id,
            session=session,
            fields=fields,
            days=days if days is not None else _session_days(session),
            # The trainers do not change here.
            trainer_ids=[],
        )
        session = session_change(
            session_id=session.pk,
            fields=fields,
            days=plan.days if days is not None else None,
            by=by,
            change_stamp=f"request-{request.pk}",
        )
        request.status = SessionChangeRequest.Status.APPROVED
        request.decided_by = by.user
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_by", "decided_at"])
        transition_record(
            session=session,
            from_status=session.status,
            to_status=session.status,
            by=by,
            reason=_("Modification proposée par l'organisme approuvée."),
        )
    return session


def session_change_reject(*, request_id: int, reason: str = "", by: Actor) -> SessionChangeRequest:
    """Refuse a provider's pending proposal: the session keeps its published values; the
    provider's members get a mail with the reason."""
    reason = reason.strip()
    with transaction.atomic():
        request = _change_request_locked(request_id)
        request.status = SessionChangeRequest.Status.REJECTED
        request.reason = reason
        request.decided_by = by.user
        request.decided_at = timezone.now()
        request.full_clean()
        request.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        members = request.session.provider.members.filter(is_active=True).order_by("pk")
        for member in members:
            mail_queue(
                kind=MailKind.SESSION_CHANGE_REJECTED,
                session=request.session,
                recipient=member.email,
                note=reason,
                dedup_key=f"session_change_rejected:{request.pk}:{member.pk}",
            )
    return request


def session_provider_values(
    session: Session,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[int]]:
    """A session as its provider edits it: its PROVIDER_FIELDS values, days (with their ids)
    and trainer ids, its pending proposal applied (what the provider last asked for)."""
    plan = _plan(
        provider_id=session.provider_id, session=session, fields={}, days=[], trainer_ids=[]
    )
    return plan.baseline, plan.baseline_days, plan.baseline_trainer_ids


def change_request_changes(
    request: SessionChangeRequest, *, session: Session | None = None
) -> SessionChanges:
    """What a proposal changes on its session as published (SessionChanges, as
    session_provider_changes gives them). `session`: the proposal's, with its days prefetched,
    when the caller has read it."""
    if session is None or session.pk != request.session_id:
        session = session_for_enrolment(pk=request.session_id)
    current = _session_values_of(session)
    current_days = _session_days(session)
    trainer_ids = [trainer.pk for trainer in session.trainers.all()]
    fields, days = _proposal_load(request)
    plan = _Plan(
        session=session,
        provider_id=session.provider_id,
        desired={**current, **fields},
        days=days if days is not None else current_days,
        trainer_ids=trainer_ids,
        baseline=current,
        baseline_days=current_days,
        baseline_trainer_ids=trainer_ids,
        given=tuple(name for name in PROVIDER_FIELDS if name in fields),
    )
    return _plan_changes(plan)

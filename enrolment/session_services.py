"""The session lifecycle: create, change (fields and days together), submit, publish, cancel,
change capacity. The admin and the providers' space call these functions; nothing else writes a
session or its days.

Each function takes ids, locks the session row (`session_locked`) so that it works on the
session as it is now, not as a page loaded it, validates in the service (`session_check`, also
called by the forms to show errors in place), writes, and records any status change in the
transition log. The seat rules come from the enrolment services: a change that frees seats
offers them to the waiting list, a capacity cut never goes below the seats held.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.models import DATE_OUT_OF_RANGE, Session, SessionDay, session_date_in_range

from .mails import MailKind, mail_queue
from .models import Enrolment
from .selectors import seats_held, session_locked
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
                "Impossible de descendre à %(capacity)d places : %(held)d places sont déjà "
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
        session.full_clean()
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
) -> Session:
    """Change a session's fields and, when `days` is given, replace its days by these (a day
    with an "id" keeps its row, and its attendance; days left out are deleted). The status does
    not change here. A new capacity follows `session_capacity_change`'s rules; seats freed by
    the change (a larger capacity, a later deadline) are offered to the waiting list."""
    values = _session_values(fields)
    with transaction.atomic():
        session = session_locked(pk=session_id)
        capacity = values.pop("capacity", session.capacity)
        for name, value in values.items():
            setattr(session, name, value)
        if capacity != session.capacity:
            _capacity_check(session, capacity)
            session.capacity = capacity
        session.full_clean()
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
    return session


def session_submit(*, session_id: int, by: Actor) -> Session:
    """A provider sends its draft to the OPCO, which publishes it."""
    with transaction.atomic():
        session = session_locked(pk=session_id)
        if session.status != Status.DRAFT:
            raise ValidationError(_("Seule une session en brouillon peut être soumise."))
        _status_set(session, Status.SUBMITTED, by=by)
    return session


def session_publish(*, session_id: int, by: Actor) -> Session:
    """Publish a session: it enters the public catalogue. `published_at` keeps the first
    publication, so that a session cancelled later still shows its page (as cancelled).
    Publishing a published session changes nothing."""
    with transaction.atomic():
        session = session_locked(pk=session_id)
        if session.status == Status.CANCELLED:
            raise ValidationError(_("Une session annulée ne peut pas être publiée."))
        dates = [day.date for day in session.days.all()]
        if not dates:
            raise ValidationError(
                _("Une session doit avoir au moins une journée pour être publiée.")
            )
        session.full_clean()
        session_check(status=Status.PUBLISHED, deadline=session.registration_deadline, dates=dates)
        if session.status != Status.PUBLISHED:
            if session.published_at is None:
                session.published_at = timezone.now()
            _status_set(session, Status.PUBLISHED, by=by, also=["published_at"])
    return session


def session_cancel(*, session_id: int, reason: str = "", by: Actor) -> list[Enrolment]:
    """Cancel a session: it is marked cancelled (its page says so and takes no enrolment) and
    every active enrolment, confirmed, pending or on the waiting list, is cancelled with a mail
    to its trainee (an address never confirmed gets none); no seat is offered. Run again on a
    cancelled session, it cancels and mails only what was left active (a status changed by
    hand). Refused once the session is over. Returns the enrolments cancelled."""
    reason = reason.strip()
    with transaction.atomic():
        session = session_locked(pk=session_id)
        last_day = session.last_day
        if last_day is not None and last_day < timezone.localdate():
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
        day.full_clean()
        day.save()

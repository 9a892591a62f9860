"""The calendar of one enrolment: its session's days, marked cancelled once the enrolment has
ended (cancelled, refused), for the personal link's download and the mails."""

from collections.abc import Iterable

from catalogue.ics import RemovedDay, session_calendar

from .models import Enrolment


def enrolment_calendar(
    enrolment: Enrolment, *, method: str = "PUBLISH", removed_days: Iterable[RemovedDay] = ()
) -> bytes:
    """The session's events (catalogue.ics.session_calendar), cancelled when the session or
    the enrolment is. Their sequence follows the enrolment's last status change too, so that a
    cancellation the session did not see still outranks the events the trainee imported, and a
    new enrolment's events outrank that cancellation. Reads the session as session_calendar
    does (selectors.enrolment_for_page loads it). `removed_days`: the days a change deleted,
    sent as cancelled events."""
    changes = [at for at in (enrolment.status_changed_at, enrolment.cancelled_at) if at]
    return session_calendar(
        enrolment.session,
        cancelled=not enrolment.is_active,
        method=method,
        changed_at=max(changes, default=None),
        removed_days=removed_days,
    )

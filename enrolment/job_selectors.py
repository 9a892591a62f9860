"""Reads of the periodic jobs, of their mails and of the pages they link to: which sessions a
job looks at, who gets what, and the figures staff receive."""

import dataclasses
import datetime

from django.conf import settings
from django.db.models import Avg, Count, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from catalogue.models import Session, SessionDay

from .models import (
    SATISFACTION_RATINGS,
    Attendance,
    Enrolment,
    ReminderSubscription,
    SatisfactionResponse,
    outstanding_offer_q,
    seat_holding_q,
)
from .selectors import (
    active_enrolments_for_email,
    free_seats,
    registration_closes_at,
    under_minimum,
)

# The moment of the day at which a reminder stage is due (Europe/Paris); the beat runs the
# reminders a few minutes later.
REMINDER_TIME = datetime.time(9, 0)
# Late jobs (a beat down for a few days) still send the satisfaction questionnaires that were
# due during this many days, and no older ones.
SATISFACTION_CATCH_UP_DAYS = 14


def job_sessions() -> QuerySet[Session]:
    """Published sessions with what the jobs and the mails read, and their first and last day
    (`first_date`, `last_date`) for filtering."""
    return (
        Session.objects.filter(status=Session.Status.PUBLISHED)
        .select_related("module", "provider", "opco_contact__opco")
        .prefetch_related(
            Prefetch("days", queryset=SessionDay.objects.order_by("date")),
            "module__prerequisite_modules",
        )
        .annotate(first_date=Min("days__date"), last_date=Max("days__date"))
        .order_by("pk")
    )


def sessions_not_started(*, today: datetime.date) -> QuerySet[Session]:
    return job_sessions().filter(first_date__gt=today)


@dataclasses.dataclass(frozen=True)
class SessionCounts:
    confirmed: int
    pending: int
    waitlisted: int
    outstanding_offers: int
    seats_held: int
    capacity: int
    minimum: int
    reminder_subscribers: int

    @property
    def seats_left(self):
        return free_seats(capacity=self.capacity, held=self.seats_held)

    @property
    def under_minimum(self):
        """enrolment.selectors.under_minimum: fewer confirmed and pending trainees than the
        session's minimum."""
        return under_minimum(confirmed=self.confirmed, pending=self.pending, minimum=self.minimum)


def session_counts(session: Session) -> SessionCounts:
    """Who is enrolled in a session (one aggregate, and the count of reminder subscribers);
    seats held by the seat rule."""
    Status = Enrolment.Status
    counts = Enrolment.objects.filter(session=session).aggregate(
        confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
        pending=Count("pk", filter=Q(status=Status.PENDING)),
        waitlisted=Count("pk", filter=Q(status=Status.WAITLISTED)),
        outstanding_offers=Count("pk", filter=outstanding_offer_q()),
        seats_held=Count("pk", filter=seat_holding_q()),
    )
    subscribers = ReminderSubscription.objects.filter(
        session=session, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).count()
    return SessionCounts(
        **counts,
        capacity=session.capacity,
        minimum=session.min_participants,
        reminder_subscribers=subscribers,
    )


def reminder_moment(session: Session, days_before: int) -> datetime.datetime | None:
    """When the reminder `days_before` the registration deadline is due."""
    closes_on = session.registration_closes_on
    if closes_on is None:
        return None
    day = closes_on - datetime.timedelta(days=days_before)
    return timezone.make_aware(datetime.datetime.combine(day, REMINDER_TIME))


def reminder_stage_due(session: Session, *, now: datetime.datetime) -> int | None:
    """The latest reminder stage (days before the deadline) whose moment has come while
    registration is still open; None if none. A job that ran late sends this stage only, not
    the earlier ones it missed."""
    closes_at = registration_closes_at(session)
    if closes_at is None or now >= closes_at:
        return None
    due = [days for days in settings.REMINDER_DAYS_BEFORE if reminder_moment(session, days) <= now]
    return min(due) if due else None


def reminder_recipients(session: Session, *, days_before: int) -> list[ReminderSubscription]:
    """Confirmed, active subscriptions of the session confirmed before the stage's moment,
    whose address holds no active enrolment in the session."""
    moment = reminder_moment(session, days_before)
    subscriptions = ReminderSubscription.objects.filter(
        session=session,
        confirmed_at__lte=moment,
        unsubscribed_at__isnull=True,
    ).order_by("pk")
    return [
        subscription
        for subscription in subscriptions
        if not email_enrolled_in_session(subscription.email, session_id=session.pk)
    ]


def email_enrolled_in_session(email: str, *, session_id: int) -> bool:
    return active_enrolments_for_email(email).filter(session_id=session_id).exists()


def session_has_attendance(session: Session) -> bool:
    return Attendance.objects.filter(enrolment__session=session).exists()


def satisfaction_recipients(session: Session) -> QuerySet[Enrolment]:
    """The confirmed trainees who have not answered yet; once attendance is recorded for the
    session, only those present for at least one half-day."""
    enrolments = Enrolment.objects.filter(
        session=session, status=Enrolment.Status.CONFIRMED, satisfaction__isnull=True
    )
    if session_has_attendance(session):
        enrolments = enrolments.filter(
            pk__in=Attendance.objects.filter(status=Attendance.Status.PRESENT).values("enrolment")
        )
    return enrolments.select_related("trainee").order_by("pk")


def satisfaction_open(enrolment: Enrolment, *, today: datetime.date | None = None) -> bool:
    """Whether this trainee may answer the questionnaire now: confirmed, the session's last day
    reached, present at least once if attendance is recorded, and no answer yet."""
    session = enrolment.session
    today = today or timezone.localdate()
    if enrolment.status != Enrolment.Status.CONFIRMED:
        return False
    if session.status != Session.Status.PUBLISHED or not session.last_day:
        return False
    if today < session.last_day:
        return False
    if SatisfactionResponse.objects.filter(enrolment=enrolment).exists():
        return False
    if session_has_attendance(session):
        return enrolment.attendances.filter(status=Attendance.Status.PRESENT).exists()
    return True


@dataclasses.dataclass(frozen=True)
class SatisfactionSummary:
    responses: int
    # (question label, average out of 5 or None), in the questionnaire's order.
    averages: list[tuple[str, float | None]]
    recommend_percent: int | None


def satisfaction_summary(*, session_id: int) -> SatisfactionSummary:
    """The answers of a session's trainees in aggregate: count, average of each rating, share
    who would recommend the training."""
    responses = SatisfactionResponse.objects.filter(enrolment__session_id=session_id)
    figures = responses.aggregate(
        count=Count("pk"),
        recommend=Count("pk", filter=Q(would_recommend=True)),
        **{name: Avg(name) for name in SATISFACTION_RATINGS},
    )
    count = figures["count"]
    averages = [
        (
            str(SatisfactionResponse._meta.get_field(name).verbose_name),
            round(figures[name], 1) if figures[name] is not None else None,
        )
        for name in SATISFACTION_RATINGS
    ]
    return SatisfactionSummary(
        responses=count,
        averages=averages,
        recommend_percent=round(100 * figures["recommend"] / count) if count else None,
    )

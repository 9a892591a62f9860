"""Retention of personal data (RGPD): trainees are anonymised RETENTION_MONTHS after their last
session ended, keeping the rows the statistics count (enrolments, statuses, jobs, diploma
levels, employers, satisfaction ratings); old outbox rows and the reminder requests of past
sessions are deleted. Every function is idempotent and runs daily (Celery beat).

What goes with a trainee: their name, address, phone, civility and free-text job; on their
enrolments, the employer contact, the needs, the declaration and the refusal reason, and the
reasons recorded with their status changes (a refusal's may name them); their satisfaction
comments; their mails (recipient, errors); and the admin's history lines about those rows,
whose labels show the name or the address. The employer is an organisation and stays; a
reminder request is a separate consent, deleted with its session.

`trainee_anonymise` is the same erasure for one trainee, at their request (staff run it from
the trainee's admin page)."""

import calendar
import datetime

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import CharField, Max, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import Opco, Session
from outbox.models import OutboxMail
from outbox.services import outbox_purge

from .models import (
    Attendance,
    Enrolment,
    ReminderSubscription,
    SatisfactionResponse,
    Trainee,
    Transition,
)
from .reminder_links import CONFIRM_MAX_AGE
from .transitions import Actor

BATCH = 500
LABEL_CHUNK = 100
ANONYMOUS_NAME = "Anonyme"
# A reserved domain (RFC 2606): the address can never receive mail.
ANONYMOUS_EMAIL_DOMAIN = "anonymise.invalid"
# What an enrolment holds about the person, beyond the statistics.
ENROLMENT_PERSONAL_FIELDS = (
    "employer_contact_name",
    "employer_contact_email",
    "disability_needs",
    "prerequisite_module_when",
    "prerequisite_module_provider",
    "prerequisite_practice",
    "refusal_reason",
)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_apply(*, now: datetime.datetime | None = None) -> int:
    """The daily retention job: returns the rows anonymised or deleted."""
    now = now or timezone.now()
    return (
        trainees_anonymise(now=now) + outbox_purge(now=now) + reminder_subscriptions_purge(now=now)
    )


def trainees_anonymise(*, now: datetime.datetime | None = None) -> int:
    """Anonymise the trainees none of whose sessions ended within RETENTION_MONTHS (a session
    without days counts from its creation). Returns the trainees anonymised."""
    now = now or timezone.now()
    cutoff = months_before(timezone.localdate(now), settings.RETENTION_MONTHS)
    cutoff_at = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    recent_sessions = Session.objects.filter(
        Q(days__date__gte=cutoff) | Q(days__isnull=True, created_at__gte=cutoff_at)
    )
    due = (
        Trainee.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff_at)
        .exclude(enrolments__session__in=recent_sessions)
        .order_by("pk")
    )
    anonymised = 0
    while True:
        with transaction.atomic():
            # Rows locked by another run are its own; a second run finds them anonymised.
            rows = list(due.select_for_update(skip_locked=True).values_list("pk", "email")[:BATCH])
            if not rows:
                return anonymised
            ids = [pk for pk, _ in rows]
            trainees_erase(ids=ids, emails=[email for _, email in rows], now=now)
        anonymised += len(ids)


def trainees_erase(*, ids: list[int], emails: list[str], now: datetime.datetime) -> None:
    """Anonymise these trainees and what their enrolments hold about them, keeping the rows
    the statistics count. Call inside a transaction."""
    Trainee.objects.filter(pk__in=ids).update(
        civility="",
        first_name=ANONYMOUS_NAME,
        last_name=ANONYMOUS_NAME,
        # Unique per row, as the address index wants.
        email=Concat(
            Value("anonyme-"),
            Cast("pk", output_field=CharField()),
            Value(f"@{ANONYMOUS_EMAIL_DOMAIN}"),
            output_field=CharField(),
        ),
        phone="",
        # Free text: it may name the person (the job itself stays, for statistics).
        job_other="",
        anonymised_at=now,
    )
    enrolments_erase(Enrolment.objects.filter(trainee__in=ids))
    SatisfactionResponse.objects.filter(enrolment__trainee__in=ids).update(comment="")
    # Their mails name their address: the rows go.
    OutboxMail.objects.filter(enrolment__trainee__in=ids).delete()
    _admin_history_delete(trainee_ids=ids, emails=emails)


class AnonymisationRefused(Exception):
    """A trainee who cannot be anonymised now; `message` says why, in French."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def trainee_anonymise(
    *, trainee_id: int, by: Actor, opco: Opco | None, now: datetime.datetime | None = None
) -> Trainee:
    """Anonymise one trainee at their request (RGPD erasure), through `trainees_erase` as the
    retention job does, keeping the statistics; their reminder requests (their address, a
    consent of their own) go too. Refused while they hold an active enrolment in a session that
    is not over (cancel it first: the seat then goes to the waiting list) and once done.

    Recorded in the trainee's admin history (a LogEntry, which the admin's "Historique" page of
    the trainee shows) rather than as a Transition: no status of a session or an enrolment
    changes. Written after the erasure, which deletes the history lines that name the person;
    this one names no one ("Anonyme Anonyme").

    `opco`: the caller's scope, checked under the lock: an OPCO's staff (their OPCO) may not
    anonymise a trainee who also has an enrolment outside their OPCO's programme; None for the
    national administration and the jobs."""
    now = now or timezone.now()
    with transaction.atomic():
        trainee = Trainee.objects.select_for_update().get(pk=trainee_id)
        refusal = trainee_anonymise_refusal(trainee, today=timezone.localdate(now), opco=opco)
        if refusal is not None:
            raise AnonymisationRefused(refusal)
        email = trainee.email
        trainees_erase(ids=[trainee.pk], emails=[email], now=now)
        # Their mails go with them (cascade).
        ReminderSubscription.objects.filter(email__iexact=email).delete()
        trainee.refresh_from_db()
        if by.user is not None:
            LogEntry.objects.log_actions(
                user_id=by.user.pk,
                queryset=[trainee],
                action_flag=CHANGE,
                change_message=str(ANONYMISED_ON_REQUEST),
                single_object=True,
            )
    return trainee


ANONYMISED_ON_REQUEST = _(
    "Stagiaire anonymisé à sa demande (données personnelles effacées, statistiques conservées)."
)


def trainee_anonymise_refusal(
    trainee: Trainee, *, today: datetime.date, opco: Opco | None
) -> str | None:
    """Why `trainee_anonymise` would refuse this trainee now to a caller of scope `opco` (None:
    the national administration), in French, or None (the admin asks before its confirmation;
    the service asks again under the lock)."""
    if trainee.anonymised_at is not None:
        return str(_("Ce stagiaire est déjà anonymisé."))
    if (
        opco is not None
        and Enrolment.objects.filter(trainee=trainee).exclude(session__opco=opco).exists()
    ):
        return str(
            _(
                "Ce stagiaire est aussi inscrit dans le programme d'un autre OPCO\u00a0: seule "
                "l'administration nationale peut l'anonymiser."
            )
        )
    if _enrolments_not_over(trainee, today=today).exists():
        return str(
            _(
                "Ce stagiaire a une inscription en cours dans une session qui n'est pas "
                "terminée\u00a0: annulez-la d'abord, puis anonymisez."
            )
        )
    return None


def _enrolments_not_over(trainee: Trainee, *, today: datetime.date) -> models.QuerySet:
    """The trainee's active enrolments (unconfirmed, pending, confirmed, waitlisted) in a session
    not cancelled whose last day is today or later (or that has no days yet).

    Counted in days, not as enrolment.selectors.session_has_ended (over once its last half-day
    has ended): a session whose last half-day ended earlier today still keeps its trainees from
    anonymisation until midnight: a date-only rule (the callers pass `today`), never earlier
    than session_has_ended."""
    return (
        Enrolment.objects.filter(trainee=trainee)
        .exclude(status__in=Enrolment.INACTIVE)
        .exclude(session__status=Session.Status.CANCELLED)
        .annotate(last_date=Max("session__days__date"))
        .filter(Q(last_date__gte=today) | Q(last_date__isnull=True))
    )


def enrolments_erase(enrolments: models.QuerySet[Enrolment]) -> None:
    """Blank what these enrolments hold about a person beyond the statistics, and the reasons
    of their status changes (who changed a status, when and to what stay: the audit trail;
    the reason is free text). The admin writes no history line about transitions."""
    enrolments.update(**dict.fromkeys(ENROLMENT_PERSONAL_FIELDS, ""), submitted_identity={})
    Transition.objects.filter(enrolment__in=enrolments).update(reason="")


def _log_entries(model: type[models.Model], pks) -> models.QuerySet[LogEntry]:
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(pk) for pk in pks],
    )


def _admin_history_delete(*, trainee_ids: list[int], emails: list[str]) -> None:
    """Delete the admin's history lines about these trainees, whose labels (`object_repr`)
    show a name or an address: the trainees, their enrolments and attendances, and the mails
    and reminder requests to their addresses (rows the admin may have deleted already, so
    matched by their label)."""
    enrolment_ids = list(
        Enrolment.objects.filter(trainee__in=trainee_ids).values_list("pk", flat=True)
    )
    attendance_ids = Attendance.objects.filter(enrolment__in=enrolment_ids).values_list(
        "pk", flat=True
    )
    _log_entries(Trainee, trainee_ids).delete()
    _log_entries(Enrolment, enrolment_ids).delete()
    _log_entries(Attendance, attendance_ids).delete()
    content_types = [
        ContentType.objects.get_for_model(OutboxMail),
        ContentType.objects.get_for_model(ReminderSubscription),
    ]
    # Chunks keep the OR under SQLite's expression depth limit.
    for start in range(0, len(emails), LABEL_CHUNK):
        # "<kind> → <address>" and "<address> – <session>", as their __str__ write them.
        labels = models.Q()
        for email in emails[start : start + LABEL_CHUNK]:
            labels |= models.Q(object_repr__iendswith=f" {email}")
            labels |= models.Q(object_repr__istartswith=f"{email} ")
        LogEntry.objects.filter(labels, content_type__in=content_types).delete()


def reminder_subscriptions_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the reminder requests of sessions that ended or were cancelled, and those never
    confirmed whose confirmation link has expired."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    over = Session.objects.annotate(last_date=Max("days__date")).filter(
        Q(last_date__lt=today) | Q(status=Session.Status.CANCELLED)
    )
    _, deleted = ReminderSubscription.objects.filter(
        Q(session__in=over.values("pk"))
        | Q(confirmed_at__isnull=True, created_at__lt=now - CONFIRM_MAX_AGE)
    ).delete()
    # Their mails go with them (cascade); the count is of the requests.
    return deleted.get(ReminderSubscription._meta.label, 0)

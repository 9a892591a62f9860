"""Everything the portal holds about one trainee, for their right of access (RGPD art. 15, a
copy in a machine-readable format): identity, employer, enrolments with their statuses and
history, attendance, satisfaction answers, reminder requests, and the mails sent to them: their
kind, subject, dates and the text staff added (a cancellation's reason), and for a message staff
wrote to a session's trainees ("Écrire aux stagiaires", a StaffMessage) its subject and text. The
other mails' bodies are rendered when sending and not kept.

The keys are French: the file is for the person. Staff download it from the trainee's admin
page (backoffice.admin.personal_data), which passes the sessions the user may see.
"""

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.utils import timezone

from catalogue.models import Session, SessionDay
from outbox.models import OutboxMail

from .mails import MailKind
from .models import (
    SATISFACTION_RATINGS,
    Attendance,
    Enrolment,
    ReminderSubscription,
    StaffMessage,
    Trainee,
    Transition,
)
from .services import EMPLOYER_FIELDS, ENROLMENT_FIELDS, TRAINEE_FIELDS


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _fields(obj, names) -> dict:
    """{verbose name: value} of these fields, choices in words."""
    data = {}
    for name in names:
        field = obj._meta.get_field(name)
        value = getattr(obj, name)
        if field.choices and value:
            value = str(getattr(obj, f"get_{name}_display")())
        data[str(field.verbose_name)] = value
    return data


def _employer(employer) -> dict | None:
    if employer is None:
        return None
    return {
        **_fields(employer, EMPLOYER_FIELDS),
        "OPCO": employer.opco.name if employer.opco else "",
    }


def _enrolment(enrolment: Enrolment) -> dict:
    session = enrolment.session
    data = {
        "session": str(session),
        "organisme": session.provider.name,
        "dates": [day.date for day in session.days.all()],
        **_fields(
            enrolment,
            (
                "status",
                "created_at",
                "consent_at",
                "address_confirmed_at",
                "status_changed_at",
                "decided_at",
                "refusal_reason",
                "waitlisted_at",
                "offered_at",
                "offer_expires_at",
                "cancelled_at",
                # What the form asked (every field of it: services.ENROLMENT_FIELDS).
                *ENROLMENT_FIELDS,
                # Typed on the form, written onto the trainee once the address is confirmed.
                "submitted_identity",
            ),
        ),
        _label(Enrolment, "employer"): _employer(enrolment.employer),
        # Who changed a status is given by role: the staff's names are not the trainee's data.
        "historique": [
            {
                _label(Transition, "at"): transition.at,
                _label(Transition, "from_status"): _status(transition.from_status),
                _label(Transition, "to_status"): _status(transition.to_status),
                _label(Transition, "actor_kind"): transition.get_actor_kind_display(),
                _label(Transition, "reason"): transition.reason,
            }
            for transition in enrolment.transitions.all()
        ],
        "présences": [
            {_label(Attendance, "day"): attendance.day.date}
            | _fields(attendance, ("half_day", "status"))
            for attendance in enrolment.attendances.all()
        ],
    }
    satisfaction = getattr(enrolment, "satisfaction", None)
    data["questionnaire de satisfaction"] = (
        _fields(satisfaction, (*SATISFACTION_RATINGS, "would_recommend", "comment", "created_at"))
        if satisfaction is not None
        else None
    )
    return data


_STATUSES = dict(Enrolment.Status.choices)


def _status(code: str) -> str:
    return str(_STATUSES.get(code, code)) if code else ""


def trainee_data(trainee: Trainee, *, sessions_q: Q | None = None) -> dict:
    """What is held about `trainee`. `sessions_q`, a filter on sessions, limits the enrolments,
    the reminder requests and the mails to those of the sessions the reader may see; None:
    all."""
    enrolments = (
        Enrolment.objects.filter(trainee=trainee)
        .select_related("session__module", "session__provider", "employer__opco", "satisfaction")
        .prefetch_related(
            Prefetch("session__days", queryset=SessionDay.objects.order_by("date")),
            Prefetch("transitions", queryset=Transition.objects.order_by("at", "pk")),
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("day").order_by("day__date", "half_day"),
            ),
        )
        .order_by("created_at", "pk")
    )
    subscriptions = ReminderSubscription.objects.filter(email__iexact=trainee.email)
    mails = OutboxMail.objects.filter(recipient__iexact=trainee.email)
    if sessions_q is not None:
        sessions = Session.objects.filter(sessions_q).values("pk")
        enrolments = enrolments.filter(session__in=sessions)
        subscriptions = subscriptions.filter(session__in=sessions)
        # The mails about what the reader sees.
        mails = mails.filter(
            Q(enrolment__in=enrolments.values("pk")) | Q(subscription__in=subscriptions)
        )
    return {
        "exporté le": timezone.now(),
        # Every field of the form (services.TRAINEE_FIELDS), then the record's dates.
        "stagiaire": _fields(trainee, (*TRAINEE_FIELDS, "created_at", "anonymised_at")),
        _label(Trainee, "employer"): _employer(trainee.employer),
        "inscriptions": [_enrolment(enrolment) for enrolment in enrolments],
        "demandes de rappel": [
            {"session": str(subscription.session)}
            | _fields(subscription, ("created_at", "confirmed_at", "unsubscribed_at"))
            for subscription in subscriptions.select_related("session__module").order_by("pk")
        ],
        "e-mails": _mails(list(mails.order_by("created_at", "pk"))),
    }


def _staff_message_id(mail: OutboxMail) -> int | None:
    # A staff message's mail notes the StaffMessage's id (enrolment.staff_mails).
    if mail.kind == MailKind.STAFF_MESSAGE and mail.note.isdigit():
        return int(mail.note)
    return None


def _mails(mails: list[OutboxMail]) -> list[dict]:
    """Each mail's kind, subject, status and dates, the text staff added to it, and a staff
    message's subject and text (read in one query). Other bodies are not kept."""
    messages = StaffMessage.objects.in_bulk(
        [pk for pk in map(_staff_message_id, mails) if pk is not None]
    )
    result = []
    for mail in mails:
        entry = {
            _label(OutboxMail, "kind"): mail.get_kind_display(),
            _label(OutboxMail, "subject"): mail.subject,
            _label(OutboxMail, "status"): mail.get_status_display(),
            _label(OutboxMail, "created_at"): mail.created_at,
            _label(OutboxMail, "sent_at"): mail.sent_at,
        }
        message_id = _staff_message_id(mail)
        if message_id is not None:
            message = messages.get(message_id)
            if message is not None:
                entry["message"] = _fields(message, ("subject", "body", "sent_at"))
        elif mail.note:
            entry[_label(OutboxMail, "note")] = mail.note
        result.append(entry)
    return result


class LocalTimeEncoder(DjangoJSONEncoder):
    """Moments in the local time (Europe/Paris, with its offset), as the person lives them."""

    def default(self, o):
        if isinstance(o, datetime.datetime) and timezone.is_aware(o):
            o = timezone.localtime(o)
        return super().default(o)


def trainee_data_json(trainee: Trainee, *, sessions_q: Q | None = None) -> str:
    return json.dumps(
        trainee_data(trainee, sessions_q=sessions_q),
        cls=LocalTimeEncoder,
        ensure_ascii=False,
        indent=2,
    )

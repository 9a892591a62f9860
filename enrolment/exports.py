"""Spreadsheet exports of enrolments: the rows (one `Column` per cell, in French) and the two
writers, CSV as French Excel opens it (UTF-8 with a BOM, ";") and XLSX (openpyxl, write-only).

Whoever writes a name, an employer or a job can make it start with "=": every text cell that
a spreadsheet would read as a formula (= + - @, a tab or a carriage return first) is written
with a leading apostrophe (OWASP's "CSV injection" advice), in both formats. Numbers stay
numbers.

The providers' space and the admin export a session's participants with these; other exports
(the admin's enrolment lists) pass their own columns and rows to the same writers.
"""

import csv
import datetime
import decimal
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from catalogue.models import Session, SessionDay
from catalogue.selectors import day_bounds
from catalogue.text import phone_for_display

from .attendance import hours_attended, session_half_days
from .documents import session_slug
from .models import Attendance, Enrolment, Job
from .selectors import (
    free_seats,
    seats_held_subquery,
    session_under_minimum,
    status_counts,
    waitlist_position_expression,
)

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")

# What a spreadsheet may read as the start of a formula (or of a DDE payload).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | decimal.Decimal | datetime.date | None


def safe_cell(value: object) -> Cell:
    """A value as a spreadsheet cell: numbers and dates as they are (a moment in local time,
    which spreadsheets want without a zone), None as an empty cell, anything else as text, with
    a leading apostrophe when it would start a formula."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return value
    if isinstance(value, int | float | decimal.Decimal | datetime.date) and not isinstance(
        value, bool
    ):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


@dataclass(frozen=True)
class Column:
    header: str
    # An enrolment's cell (a session's, in SESSION_EXPORT_COLUMNS).
    value: Callable[[Any], object]


def _job(enrolment: Enrolment) -> str:
    trainee = enrolment.trainee
    if trainee.job == Job.OTHER and trainee.job_other:
        return trainee.job_other
    return trainee.get_job_display()


def _employer(enrolment: Enrolment):
    # The employer at the time of the enrolment; the trainee's own for rows made without one.
    return enrolment.employer or enrolment.trainee.employer


# The participants' list of a session: who they are, whom to reach, where they work.
PARTICIPANT_COLUMNS: tuple[Column, ...] = (
    Column(_("Nom"), lambda e: e.trainee.last_name),
    Column(_("Prénom"), lambda e: e.trainee.first_name),
    Column(_("E-mail"), lambda e: e.trainee.email),
    Column(_("Téléphone"), lambda e: phone_for_display(e.trainee.phone)),
    Column(_("Métier"), _job),
    Column(_("Structure employeuse"), lambda e: _employer(e).name if _employer(e) else ""),
    Column(_("SIRET"), lambda e: _employer(e).siret if _employer(e) else ""),
    Column(_("Statut"), lambda e: e.get_status_display()),
    Column(
        _("Position en liste d'attente"),
        lambda e: getattr(e, "waitlist_position", None),
    ),
)

# Who takes part, in this order: the confirmed, those waiting for a decision, the waiting list.
PARTICIPANT_STATUSES = (
    Enrolment.Status.CONFIRMED,
    Enrolment.Status.PENDING,
    Enrolment.Status.WAITLISTED,
)


def session_participants(session: Session) -> list[Enrolment]:
    """The session's confirmed, pending and waitlisted enrolments with what the columns read,
    in one query: the confirmed then the pending by name, then the waiting list in its order
    (each carries `waitlist_position`)."""
    enrolments = list(
        Enrolment.objects.filter(session=session, status__in=PARTICIPANT_STATUSES)
        .select_related("trainee__employer", "employer")
        .annotate(waitlist_position=waitlist_position_expression())
        .order_by()
    )
    return sorted(enrolments, key=_participant_order)


_STATUS_RANK = {status: index for index, status in enumerate(PARTICIPANT_STATUSES)}


def _participant_order(enrolment: Enrolment) -> tuple:
    """PARTICIPANT_STATUSES' order (any other status after them), the waiting list in its
    order, then by name."""
    trainee = enrolment.trainee
    return (
        _STATUS_RANK.get(enrolment.status, len(_STATUS_RANK)),
        enrolment.waitlist_position or 0,
        trainee.last_name.casefold(),
        trainee.first_name.casefold(),
        enrolment.pk,
    )


def rows(
    enrolments: Iterable[Enrolment], columns: Sequence[Column] = PARTICIPANT_COLUMNS
) -> Iterable[list[Cell]]:
    """The header row, then one row per enrolment, every cell made safe."""
    yield [safe_cell(str(column.header)) for column in columns]
    for enrolment in enrolments:
        yield [safe_cell(column.value(enrolment)) for column in columns]


def _csv_cell(cell: Cell) -> Cell:
    if cell is None:
        return ""
    if isinstance(cell, float | decimal.Decimal):
        # French spreadsheets read "3,5", not "3.5".
        return str(cell).replace(".", ",")
    if isinstance(cell, datetime.datetime):
        return f"{cell:%d/%m/%Y %H:%M}"
    if isinstance(cell, datetime.date):
        return f"{cell:%d/%m/%Y}"
    return cell


def write_csv(table: Iterable[Sequence[Cell]]) -> bytes:
    """CSV as French Excel opens it: UTF-8 with a BOM (else accents come out wrong),
    separated by semicolons (the comma is the French decimal mark), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in table:
        writer.writerow(_csv_cell(cell) for cell in row)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_cell(cell: Cell) -> Cell:
    if isinstance(cell, str):
        # openpyxl refuses control characters in a cell (IllegalCharacterError): drop them.
        return ILLEGAL_CHARACTERS_RE.sub("", cell)
    return cell


def write_xlsx(table: Iterable[Sequence[Cell]], *, title: str = "") -> bytes:
    """One sheet; text cells that would start a formula are already escaped by `safe_cell`,
    so openpyxl writes every text as a string, never as a formula."""
    workbook = Workbook(write_only=True)
    # A sheet title: 31 characters at most, none of \ / ? * [ ] :
    sheet_title = "".join(char for char in title if char not in "\\/?*[]:")[:31]
    sheet = workbook.create_sheet(title=sheet_title or None)
    for row in table:
        sheet.append([_xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(
    table: Iterable[Sequence[Cell]], *, file_format: str, filename: str, title: str = ""
) -> HttpResponse:
    """A download of the table as `filename`.csv or .xlsx; `file_format` is one of FORMATS."""
    if file_format == "csv":
        content, content_type = write_csv(table), CSV_CONTENT_TYPE
    elif file_format == "xlsx":
        content, content_type = write_xlsx(table, title=title), XLSX_CONTENT_TYPE
    else:
        raise ValueError(f"Unknown export format: {file_format!r}")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{filename}.{file_format}"
    )
    return response


def participants_filename(session: Session) -> str:
    """ "participants-module-2-groupe-1-orleans", without the extension."""
    return "participants-" + session_slug(session)


def participants_response(session: Session, *, file_format: str) -> HttpResponse:
    """The session's participants (`session_participants`) as a download; the session comes
    with its module (select_related)."""
    return export_response(
        rows(session_participants(session)),
        file_format=file_format,
        filename=participants_filename(session),
        title=str(_("Participants")),
    )


# The admin's exports of the selected sessions: their enrolments, and the sessions with their
# fill.


def _session_name(session: Session) -> str:
    return _("Module %(number)s – %(label)s – %(city)s") % {
        "number": session.module.number,
        "label": session.label,
        "city": session.city,
    }


def _confirmed(enrolment: Enrolment) -> bool:
    return enrolment.status == Enrolment.Status.CONFIRMED


def _half_days_present(enrolment: Enrolment) -> int | None:
    """The half-days marked present that take place (as `hours_attended` counts them)."""
    if not _confirmed(enrolment):
        return None
    taking_place = {(day.pk, half_day) for day, half_day in session_half_days(enrolment.session)}
    return sum(
        1
        for mark in enrolment.attendances.all()
        if mark.status == Attendance.Status.PRESENT and (mark.day_id, mark.half_day) in taking_place
    )


# Who enrolled in several sessions at once: the session first, then PARTICIPANT_COLUMNS' cells,
# the diploma, and the attendance of the confirmed trainees.
ENROLMENT_EXPORT_COLUMNS: tuple[Column, ...] = (
    Column(_("Session"), lambda e: _session_name(e.session)),
    Column(_("Organisme"), lambda e: e.session.provider.name),
    Column(_("Premier jour"), lambda e: e.session.first_day),
    *PARTICIPANT_COLUMNS[:5],
    Column(_("Niveau de diplôme"), lambda e: e.trainee.get_diploma_level_display()),
    *PARTICIPANT_COLUMNS[5:],
    Column(_("Inscrit le"), lambda e: e.created_at),
    Column(_("Demi-journées présent"), _half_days_present),
    Column(
        _("Demi-journées de la session"),
        lambda e: len(session_half_days(e.session)) if _confirmed(e) else None,
    ),
    Column(_("Heures suivies"), lambda e: hours_attended(e) if _confirmed(e) else None),
)


def sessions_enrolments(sessions: QuerySet[Session]) -> list[Enrolment]:
    """Every enrolment of these sessions but the addresses never confirmed, with what
    ENROLMENT_EXPORT_COLUMNS read, in a constant number of queries: session by session (by
    first day), each as `session_participants` orders it, then the refused and the
    cancelled."""
    enrolments = list(
        Enrolment.objects.filter(session__in=sessions.values("pk"))
        .exclude(status=Enrolment.Status.UNCONFIRMED)
        .select_related("trainee__employer", "employer", "session__module", "session__provider")
        .prefetch_related(
            Prefetch("session__days", queryset=SessionDay.objects.order_by("date")),
            Prefetch("attendances", queryset=Attendance.objects.select_related("day")),
        )
        .annotate(waitlist_position=waitlist_position_expression())
        .order_by()
    )

    def order(enrolment):
        session = enrolment.session
        return (session.first_day or datetime.date.max, session.pk, *_participant_order(enrolment))

    return sorted(enrolments, key=order)


def sessions_enrolments_response(sessions: QuerySet[Session], *, file_format: str) -> HttpResponse:
    return export_response(
        rows(sessions_enrolments(sessions), ENROLMENT_EXPORT_COLUMNS),
        file_format=file_format,
        filename=f"inscriptions-{timezone.localdate():%Y-%m-%d}",
        title=str(_("Inscriptions")),
    )


def _yes_no(value: bool) -> str:
    return str(_("oui") if value else _("non"))


def _seats_left(session: Session) -> int:
    return free_seats(capacity=session.capacity, held=session.export_seats_held)


# A session per row, with its fill: the seats held by the seat rule, and under the minimum by
# enrolment.selectors.under_minimum (as the dashboard, the admin and the jobs say it).
SESSION_EXPORT_COLUMNS: tuple[Column, ...] = (
    Column(_("Numéro"), lambda s: f"AV-{s.pk}"),
    Column(_("Référence de l'organisme"), lambda s: s.reference),
    Column(_("Module"), lambda s: s.module.number),
    Column(_("Groupe"), lambda s: s.label),
    Column(_("Organisme"), lambda s: s.provider.name),
    Column(_("Ville"), lambda s: s.city),
    Column(_("Département"), lambda s: s.department),
    Column(_("Région"), lambda s: s.region),
    Column(_("Premier jour"), lambda s: s.export_first_date),
    Column(_("Dernier jour"), lambda s: s.export_last_date),
    Column(_("Date limite d'inscription"), lambda s: s.registration_deadline),
    Column(_("Statut"), lambda s: s.get_status_display()),
    Column(_("Places"), lambda s: s.capacity),
    Column(_("Minimum"), lambda s: s.min_participants),
    Column(_("Confirmés"), lambda s: s.confirmed_count),
    Column(_("À valider"), lambda s: s.pending_count),
    Column(_("Liste d'attente"), lambda s: s.waitlisted_count),
    Column(_("Places prises"), lambda s: s.export_seats_held),
    Column(_("Places restantes"), _seats_left),
    Column(_("Sous le minimum"), lambda s: _yes_no(session_under_minimum(s))),
)


def sessions_with_fill(sessions: QuerySet[Session]) -> list[Session]:
    """These sessions (by first day) with what SESSION_EXPORT_COLUMNS read, in one query: the
    counts per status over the one join on enrolments (status_counts), the rest subqueries."""
    bounds = day_bounds()
    return list(
        Session.objects.filter(pk__in=sessions.values("pk"))
        .select_related("module", "provider")
        .annotate(
            export_first_date=bounds["first_date"],
            export_last_date=bounds["last_date"],
            export_seats_held=seats_held_subquery(),
            **status_counts(),
        )
        .order_by(F("export_first_date").asc(nulls_last=True), "pk")
    )


def sessions_response(sessions: QuerySet[Session], *, file_format: str) -> HttpResponse:
    return export_response(
        rows(sessions_with_fill(sessions), SESSION_EXPORT_COLUMNS),
        file_format=file_format,
        filename=f"sessions-{timezone.localdate():%Y-%m-%d}",
        title=str(_("Sessions")),
    )

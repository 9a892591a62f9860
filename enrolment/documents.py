"""The documents of a session as PDF: the attendance sheet (feuille d'émargement) of a session,
and per confirmed trainee the convocation, the certificate of completion (certificat de
réalisation, the ministry's model) and the attestation de fin de formation.

Each is a Django template of templates/documents/ styled by static/css/documents.css and laid
out by WeasyPrint. The documents show the titles, dates and hours of the fiche and the mails
(the same template filters, `session_title`), and the hours attended come from the attendance
record (enrolment.attendance): OPCOs refuse to pay when they differ between documents.

enrolment/pdf.py lays the HTML out, fetching only the site's own static files.
"""

import datetime

from django.db.models import Prefetch
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _

from catalogue.ics import session_location
from catalogue.models import Session, SessionDay

from .attendance import (
    enrolment_attendance_recorded,
    half_day_times,
    hours_attended,
    session_half_days,
)
from .mails import session_title
from .models import Attendance, Enrolment
from .selectors import session_has_ended


class DocumentUnavailable(Exception):
    """The document cannot be made yet, or not for this enrolment; `message` says why, in
    French, for the page that asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Rendering -----------------------------------------------------------------------------------


def render_pdf(template_name: str, context: dict) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, and a machine without it still
    # serves every page but the documents.
    from .pdf import html_to_pdf

    return html_to_pdf(render_to_string(template_name, context))


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """The PDF as a download. Every document names trainees: no browser or proxy keeps it."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Reads ---------------------------------------------------------------------------------------


def _sessions_for_documents():
    return Session.objects.select_related(
        "module", "provider", "opco_contact__opco"
    ).prefetch_related(
        Prefetch("days", queryset=SessionDay.objects.order_by("date")),
        "trainers",
    )


def _attendances():
    return Prefetch("attendances", queryset=Attendance.objects.select_related("day"))


def session_for_documents(*, pk: int) -> Session:
    """A session with what its documents show; raises Session.DoesNotExist."""
    return _sessions_for_documents().get(pk=pk)


def confirmed_enrolments(session: Session) -> list[Enrolment]:
    """The session's confirmed trainees, by name, with their employer and attendance marks."""
    enrolments = list(
        Enrolment.objects.filter(session=session, status=Enrolment.Status.CONFIRMED)
        .select_related("trainee__employer", "employer__opco")
        .prefetch_related(_attendances())
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    for enrolment in enrolments:
        enrolment.session = session
    return enrolments


def enrolment_for_documents(*, pk: int) -> Enrolment:
    """An enrolment with its session and what the documents show; raises DoesNotExist."""
    enrolment = (
        Enrolment.objects.select_related("trainee__employer", "employer__opco")
        .prefetch_related(_attendances())
        .get(pk=pk)
    )
    enrolment.session = session_for_documents(pk=enrolment.session_id)
    return enrolment


# Rules ---------------------------------------------------------------------------------------


def _check_dates(session: Session) -> None:
    if not session.sorted_days:
        raise DocumentUnavailable(_("La session n'a pas encore de dates."))


def convocation_unavailable_reason(enrolment: Enrolment) -> str | None:
    """None when the trainee may be sent a convocation: a confirmed enrolment in a session
    that has dates and is not cancelled."""
    if enrolment.session.status == Session.Status.CANCELLED:
        return _("La session est annulée.")
    if enrolment.status != Enrolment.Status.CONFIRMED:
        return _("Seule une inscription confirmée a une convocation.")
    if not enrolment.session.sorted_days:
        return _("La session n'a pas encore de dates.")
    return None


def completion_unavailable_reason(
    enrolment: Enrolment, *, now: datetime.datetime | None = None
) -> str | None:
    """None when the certificate and the attestation can be made: a confirmed enrolment, the
    session over (its last half-day ended) and the trainee's attendance recorded for every
    half-day. Else why not."""
    session = enrolment.session
    if enrolment.status != Enrolment.Status.CONFIRMED:
        return _("Seule une inscription confirmée donne lieu à un certificat ou une attestation.")
    if session.status == Session.Status.CANCELLED:
        return _("La session est annulée.")
    if not session_has_ended(session, now=now):
        return _("La session n'est pas terminée\u00a0: le certificat et l'attestation suivront.")
    if not enrolment_attendance_recorded(enrolment):
        return _(
            "La présence de ce stagiaire n'est pas saisie pour toutes les demi-journées\u00a0: "
            "le certificat et l'attestation suivront sa saisie."
        )
    return None


# Documents -----------------------------------------------------------------------------------


def _half_day_columns(session: Session) -> list[dict]:
    columns = []
    for day, half_day in session_half_days(session):
        start, end = half_day_times(day, half_day)
        columns.append(
            {
                "date": day.date,
                "label": Attendance.HalfDay(half_day).label,
                "start": start,
                "end": end,
            }
        )
    return columns


def _session_context(session: Session) -> dict:
    return {
        "session": session,
        "session_title": session_title(session),
        "module": session.module,
        "provider": session.provider,
        "opco_contact": session.opco_contact,
        "opco": session.opco_contact.opco if session.opco_contact else None,
        "days": session.sorted_days,
        "first_day": session.first_day,
        "last_day": session.last_day,
        "total_hours": session.total_hours,
        "location": session_location(session),
        "trainers": list(session.trainers.all()),
        "today": timezone.localdate(),
    }


def _enrolment_context(enrolment: Enrolment) -> dict:
    trainee = enrolment.trainee
    return {
        **_session_context(enrolment.session),
        "enrolment": enrolment,
        "trainee": trainee,
        "employer": enrolment.employer or trainee.employer,
    }


def attendance_sheet_pdf(session: Session) -> bytes:
    """The feuille d'émargement: a line per confirmed trainee and per trainer, a column per
    half-day. For a session read by session_for_documents."""
    _check_dates(session)
    context = {
        **_session_context(session),
        "columns": _half_day_columns(session),
        "enrolments": confirmed_enrolments(session),
    }
    return render_pdf("documents/attendance_sheet.html", context)


def convocation_pdf(enrolment: Enrolment) -> bytes:
    """For an enrolment read by enrolment_for_documents; raises DocumentUnavailable."""
    reason = convocation_unavailable_reason(enrolment)
    if reason:
        raise DocumentUnavailable(reason)
    session = enrolment.session
    context = {
        **_enrolment_context(enrolment),
        "disability_contact": session.disability_contact,
        "inter_session_work": session.fiche_inter_session_work,
    }
    return render_pdf("documents/convocation.html", context)


def _completion_context(enrolment: Enrolment) -> dict:
    reason = completion_unavailable_reason(enrolment)
    if reason:
        raise DocumentUnavailable(reason)
    return {**_enrolment_context(enrolment), "hours_attended": hours_attended(enrolment)}


def certificate_pdf(enrolment: Enrolment) -> bytes:
    """The certificat de réalisation (the ministry's model); raises DocumentUnavailable."""
    return render_pdf("documents/certificate.html", _completion_context(enrolment))


def attestation_pdf(enrolment: Enrolment) -> bytes:
    """The attestation de fin de formation (Code du travail, L. 6353-1); raises
    DocumentUnavailable."""
    context = {
        **_completion_context(enrolment),
        "objectives": enrolment.session.fiche_objectives,
    }
    return render_pdf("documents/attestation.html", context)


# Names ---------------------------------------------------------------------------------------


def session_slug(session: Session) -> str:
    """ "module-1-groupe-1-orleans": a session in file names (the documents, the exports)."""
    return slugify(f"module {session.module.number} {session.label} {session.city}")


def attendance_sheet_filename(session: Session) -> str:
    return f"feuille-emargement_{session_slug(session)}.pdf"


def enrolment_document_filename(kind: str, enrolment: Enrolment) -> str:
    """ "certificat-realisation_lea-bernard_module-1-groupe-1-orleans.pdf": ASCII, no space."""
    trainee = slugify(enrolment.trainee.full_name) or "stagiaire"
    return f"{kind}_{trainee}_{session_slug(enrolment.session)}.pdf"


# The trainee's documents by the slug of their URLs and file names.
ENROLMENT_DOCUMENTS = {
    "convocation": convocation_pdf,
    "certificat-realisation": certificate_pdf,
    "attestation-fin-formation": attestation_pdf,
}


def document_url_name(kind: str) -> str:
    """ "document_certificat_realisation": the name of the URL of a kind, in every URLconf."""
    return "document_" + kind.replace("-", "_")


def enrolment_document_response(kind: str, enrolment: Enrolment) -> HttpResponse:
    """The response of one of ENROLMENT_DOCUMENTS (KeyError for another kind); raises
    DocumentUnavailable."""
    make = ENROLMENT_DOCUMENTS[kind]
    return pdf_response(make(enrolment), enrolment_document_filename(kind, enrolment))


def attendance_sheet_response(session: Session) -> HttpResponse:
    return pdf_response(attendance_sheet_pdf(session), attendance_sheet_filename(session))

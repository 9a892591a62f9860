"""The PDFs' text: the trainees, the half-days with their dates and hours, the hours attended,
the provider and the OPCO; and when a document cannot be made yet."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from catalogue.formats import long_date, short_date
from enrolment import documents
from enrolment.models import Attendance
from tests.factories import (
    EnrolmentFactory,
    SessionDayFactory,
    SessionFactory,
    TrainerFactory,
)

from .conftest import pdf_text, record

pytestmark = pytest.mark.django_db


def test_attendance_sheet_has_a_line_per_confirmed_trainee_and_trainer_and_a_column_per_half_day(
    past_session, lea, hugo, waitlisted
):
    session = documents.session_for_documents(pk=past_session.pk)

    text = pdf_text(documents.attendance_sheet_pdf(session))

    assert "Feuille d'émargement" in text
    assert "BERNARD Léa" in text
    assert "PETIT Hugo" in text
    assert "Attente" not in text
    assert "FORMATRICE Chantal" in text
    first, second = past_session.sorted_days
    for day in (first, second):
        assert text.count(long_date(day.date)) >= 4  # 2 half-days x 2 tables
    assert "Matin" in text and "Après-midi" in text
    assert "9 h – 12 h 30" in text
    assert "13 h 30 – 17 h" in text
    assert "Croix-Rouge française" in text
    assert "OPCO Santé" in text
    assert "Maison des associations" in text
    assert f"Module {past_session.module.number}, Groupe 3 à Orléans" in text


def test_attendance_sheet_repeats_its_header_on_every_page_at_a_constant_number_of_queries(
    past_session, lea, hugo, django_assert_max_num_queries
):
    for _ in range(12):
        EnrolmentFactory(session=past_session)

    with django_assert_max_num_queries(8):
        session = documents.session_for_documents(pk=past_session.pk)
        content = documents.attendance_sheet_pdf(session)

    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert page.mediabox.width > page.mediabox.height  # landscape
        text = " ".join(page.extract_text().split())
        assert "Feuille d'émargement – Module" in text
        assert "Croix-Rouge française" in text
        assert "9 h – 12 h 30" in text  # the table's head too


def test_certificate_counts_the_hours_attended_from_the_attendance_record(lea):
    enrolment = documents.enrolment_for_documents(pk=lea.pk)

    text = pdf_text(documents.certificate_pdf(enrolment))

    assert "Certificat de réalisation" in text
    assert "Léa Bernard" in text
    assert lea.trainee.employer.name in text
    assert "Croix-Rouge française" in text
    assert "action de formation" in text
    first, second = lea.session.sorted_days
    assert f"du {short_date(first.date)} au {short_date(second.date)}" in text
    # Two days of 7 hours, the second morning (3 h 30) absent.
    assert "10 heures 30 suivies, sur 14 heures de formation" in text


def test_attestation_shows_objectives_nature_duration_and_dates(hugo):
    enrolment = documents.enrolment_for_documents(pk=hugo.pk)

    text = pdf_text(documents.attestation_pdf(enrolment))

    assert "Attestation de fin de formation" in text
    assert "Hugo Petit" in text
    assert "Connaître les enjeux de l'aller vers" in text
    assert "Action de formation" in text
    assert "Formation de 2 jours (14 heures)" in text
    assert "durée suivie par le ou la stagiaire : 14 heures" in text


def test_convocation_shows_place_times_contacts_and_the_sessions_own_disability_contact(hugo):
    session = hugo.session
    session.access_notes = "Tram A, arrêt Gare."
    session.disability_contact_name = "Nora Accueil"
    session.disability_contact_email = "nora@croix-rouge.example.org"
    session.save()
    enrolment = documents.enrolment_for_documents(pk=hugo.pk)

    text = pdf_text(documents.convocation_pdf(enrolment))

    assert "Convocation" in text
    assert "Hugo Petit" in text
    first = session.sorted_days[0]
    assert f"{long_date(first.date)} : 9 h – 12 h 30 et 13 h 30 – 17 h" in text
    assert "Maison des associations, 12 rue de la Formation, 45000 Orléans" in text
    assert "Tram A, arrêt Gare." in text
    assert session.opco_contact.email in text
    assert "Nora Accueil, nora@croix-rouge.example.org" in text
    assert session.provider.disability_contact_email not in text


def test_convocation_falls_back_on_the_providers_referent(hugo):
    enrolment = documents.enrolment_for_documents(pk=hugo.pk)

    text = pdf_text(documents.convocation_pdf(enrolment))

    assert f"Sam Leroy, {hugo.session.provider.disability_contact_email}" in text


def test_certificate_is_refused_without_the_trainees_attendance(past_session):
    enrolment = EnrolmentFactory(session=past_session)
    enrolment = documents.enrolment_for_documents(pk=enrolment.pk)

    with pytest.raises(documents.DocumentUnavailable, match="présence"):
        documents.certificate_pdf(enrolment)
    with pytest.raises(documents.DocumentUnavailable, match="présence"):
        documents.attestation_pdf(enrolment)


def test_certificate_is_refused_with_a_half_day_missing(past_session):
    enrolment = EnrolmentFactory(session=past_session)
    record(enrolment)
    Attendance.objects.filter(enrolment=enrolment, half_day="pm").first().delete()
    enrolment = documents.enrolment_for_documents(pk=enrolment.pk)

    assert "présence" in documents.completion_unavailable_reason(enrolment)


def test_certificate_is_refused_before_the_session_ends():
    session = SessionFactory(starts_in=30)
    enrolment = EnrolmentFactory(session=session)
    record(enrolment)
    enrolment = documents.enrolment_for_documents(pk=enrolment.pk)

    assert "pas terminée" in documents.completion_unavailable_reason(enrolment)
    now = timezone.make_aware(datetime.datetime.combine(session.last_day, datetime.time(17, 0)))
    assert documents.completion_unavailable_reason(enrolment, now=now) is None


def test_waitlisted_trainee_has_no_document(waitlisted):
    enrolment = documents.enrolment_for_documents(pk=waitlisted.pk)

    with pytest.raises(documents.DocumentUnavailable):
        documents.convocation_pdf(enrolment)
    with pytest.raises(documents.DocumentUnavailable):
        documents.certificate_pdf(enrolment)


def test_filenames_are_plain_ascii(lea):
    enrolment = documents.enrolment_for_documents(pk=lea.pk)
    number = lea.session.module.number

    assert documents.attendance_sheet_filename(enrolment.session) == (
        f"feuille-emargement_module-{number}-groupe-3-orleans.pdf"
    )
    assert documents.enrolment_document_filename("certificat-realisation", enrolment) == (
        f"certificat-realisation_lea-bernard_module-{number}-groupe-3-orleans.pdf"
    )


def test_certificate_names_the_providers_legal_representative(lea):
    provider = lea.session.provider
    provider.legal_representative_name = "Claire Directrice"
    provider.legal_representative_title = "Directrice régionale"
    provider.save()
    enrolment = documents.enrolment_for_documents(pk=lea.pk)

    text = pdf_text(documents.certificate_pdf(enrolment))

    assert "Je soussigné(e) Claire Directrice, Directrice régionale, représentant légal" in text
    assert "soussigné(e) ," not in text


def test_certificate_leaves_a_line_to_fill_without_a_representative(lea):
    enrolment = documents.enrolment_for_documents(pk=lea.pk)

    text = pdf_text(documents.certificate_pdf(enrolment))

    # The blank line to fill by hand, then the model's words.
    assert "Je soussigné(e) , représentant légal du dispensateur" in text


@pytest.mark.parametrize("day_count", [2, 3])
def test_a_usual_convocation_fits_one_page(past_session, hugo, day_count):
    session = past_session
    session.access_notes = (
        "Tram A, arrêt Gare ; parking payant rue de la Formation. "
        "Le bâtiment est accessible en fauteuil roulant par l'entrée latérale."
    )
    session.disability_contact_name = "Nora Accueil"
    session.disability_contact_email = "nora@croix-rouge.example.org"
    session.disability_contact_phone = "02 38 00 00 00"
    session.save()
    # Module 1's own wording, as the seeds hold it, and a second trainer.
    session.module.inter_session_work = (
        "Réflexion individuelle pour faire le lien entre apports théoriques et les enjeux dans "
        "sa pratique – Diagnostic et proposition d'axe de développement de la dimension "
        "« d'aller vers » dans son service"
    )
    session.module.save()
    session.trainers.add(TrainerFactory(provider=session.provider, role="Psychologue"))
    last = session.sorted_days[-1]
    for extra in range(day_count - 2):
        SessionDayFactory(session=session, date=last.date + datetime.timedelta(days=extra + 1))
    enrolment = documents.enrolment_for_documents(pk=hugo.pk)
    assert len(enrolment.session.sorted_days) == day_count
    assert enrolment.session.fiche_inter_session_work

    content = documents.convocation_pdf(enrolment)

    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1, pdf_text(content)[-400:]
    assert "Édité le" in pdf_text(content)

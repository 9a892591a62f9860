"""Where the documents are served: the providers' space (the member's own sessions only), the
admin, and the trainee's personal link (their own documents, when they exist)."""

import datetime
import html
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from enrolment.documents import document_url_name
from enrolment.links import enrolment_token
from enrolment.models import Enrolment
from tests.factories import EnrolmentFactory, SessionFactory, opco_staff_user

from .conftest import pdf_text, record

pytestmark = pytest.mark.django_db

KINDS = ("convocation", "certificat-realisation", "attestation-fin-formation")


def sheet_url(session):
    return reverse("providers:document_attendance_sheet", args=[session.pk])


def document_url(session, enrolment, kind):
    return reverse(f"providers:{document_url_name(kind)}", args=[session.pk, enrolment.pk])


def page_text(response):
    return html.unescape(response.content.decode())


def assert_pdf_download(response, filename):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    return pdf_text(response.content)


@pytest.fixture
def no_pdf():
    """Access checks come before any rendering: a refused request never makes a PDF."""
    with mock.patch("enrolment.documents.render_pdf", side_effect=AssertionError) as render:
        yield render


# Providers' space -------------------------------------------------------------------------


def test_member_downloads_the_attendance_sheet(client, alice, past_session, lea):
    client.force_login(alice)

    response = client.get(sheet_url(past_session))

    number = past_session.module.number
    text = assert_pdf_download(response, f"feuille-emargement_module-{number}-groupe-3-orleans.pdf")
    assert "BERNARD Léa" in text


def test_member_downloads_a_trainees_certificate(client, alice, past_session, lea):
    client.force_login(alice)

    response = client.get(document_url(past_session, lea, "certificat-realisation"))

    number = past_session.module.number
    text = assert_pdf_download(
        response, f"certificat-realisation_lea-bernard_module-{number}-groupe-3-orleans.pdf"
    )
    assert "10 heures 30 suivies" in text


def test_session_page_links_the_documents(client, alice, past_session, lea):
    client.force_login(alice)

    page = client.get(reverse("providers:session", args=[past_session.pk])).content.decode()

    assert sheet_url(past_session) in page
    for kind in KINDS:
        assert document_url(past_session, lea, kind) in page


def test_certificate_without_attendance_is_refused_with_a_message(
    client, alice, past_session, no_pdf
):
    enrolment = EnrolmentFactory(session=past_session)
    client.force_login(alice)

    response = client.get(
        document_url(past_session, enrolment, "certificat-realisation"), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("providers:session", args=[past_session.pk])
    assert "n'est pas saisie pour toutes les demi-journées" in page_text(response)


def test_another_providers_session_and_documents_answer_404(client, bob, past_session, lea, no_pdf):
    client.force_login(bob)

    assert client.get(sheet_url(past_session)).status_code == 404
    for kind in KINDS:
        assert client.get(document_url(past_session, lea, kind)).status_code == 404


def test_an_enrolment_of_another_session_answers_404(client, alice, provider, lea, no_pdf):
    other_session = SessionFactory(provider=provider)
    client.force_login(alice)

    for kind in KINDS:
        assert client.get(document_url(other_session, lea, kind)).status_code == 404
    huge = 10**30
    for url in [
        document_url(lea.session, mock.Mock(pk=10**9), "convocation"),
        document_url(lea.session, mock.Mock(pk=huge), "convocation"),
        document_url(mock.Mock(pk=huge), lea, "convocation"),
        reverse("providers:document_attendance_sheet", args=[huge]),
    ]:
        assert client.get(url).status_code == 404


def test_documents_require_login(client, past_session, lea, no_pdf):
    for url in [sheet_url(past_session), document_url(past_session, lea, "convocation")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("providers:login"))


# Admin --------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    user = opco_staff_user()
    client.force_login(user)
    return client


def test_staff_download_the_documents_from_the_admin_pages(staff_client, past_session, hugo):
    session_page = reverse("admin:catalogue_session_change", args=[past_session.pk])
    sheet = reverse("admin:catalogue_session_attendance_sheet", args=[past_session.pk])
    enrolment_page = reverse("admin:enrolment_enrolment_change", args=[hugo.pk])
    attestation = reverse(
        "admin:enrolment_enrolment_document_attestation_fin_formation", args=[hugo.pk]
    )

    assert sheet in staff_client.get(session_page).content.decode()
    assert attestation in staff_client.get(enrolment_page).content.decode()
    assert "PETIT Hugo" in pdf_text(staff_client.get(sheet).content)
    assert "Hugo Petit" in pdf_text(staff_client.get(attestation).content)


def test_admin_refuses_a_certificate_without_attendance_with_a_message(
    staff_client, past_session, no_pdf
):
    enrolment = EnrolmentFactory(session=past_session)
    url = reverse("admin:enrolment_enrolment_document_certificat_realisation", args=[enrolment.pk])

    response = staff_client.get(url, follow=True)

    assert response.status_code == 200
    assert "n'est pas saisie pour toutes les demi-journées" in page_text(response)


def test_admin_documents_are_for_staff_only(client, alice, past_session, lea, no_pdf):
    client.force_login(alice)
    sheet = reverse("admin:catalogue_session_attendance_sheet", args=[past_session.pk])

    response = client.get(sheet)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# The trainee's personal link -------------------------------------------------------------------


def trainee_url(enrolment, kind):
    """A personal link made now: the page's own may carry another second's stamp."""
    return reverse(f"enrolment:{document_url_name(kind)}", args=[enrolment_token(enrolment)])


def test_trainee_gets_the_convocation_while_confirmed_but_no_certificate_before_the_end(client):
    session = SessionFactory(starts_in=30)
    enrolment = EnrolmentFactory(session=session)

    page = client.get(reverse("enrolment:detail", args=[enrolment_token(enrolment)]))
    content = page.content.decode()
    assert "/convocation.pdf" in content
    assert "/certificat-realisation.pdf" not in content

    response = client.get(trainee_url(enrolment, "convocation"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]

    with mock.patch("enrolment.documents.render_pdf", side_effect=AssertionError):
        refused = client.get(trainee_url(enrolment, "certificat-realisation"), follow=True)
    assert "La session n'est pas terminée" in page_text(refused)


def test_trainee_gets_the_certificate_once_the_session_is_over_and_attendance_recorded(
    client, past_session
):
    enrolment = EnrolmentFactory(session=past_session)
    detail = reverse("enrolment:detail", args=[enrolment_token(enrolment)])
    assert "/certificat-realisation.pdf" not in client.get(detail).content.decode()

    record(enrolment)

    content = client.get(detail).content.decode()
    assert "/certificat-realisation.pdf" in content
    assert "/attestation-fin-formation.pdf" in content
    response = client.get(trainee_url(enrolment, "certificat-realisation"))
    assert response.status_code == 200
    assert "14 heures suivies" in pdf_text(response.content)


def test_cancelled_trainee_has_no_document(client, past_session, no_pdf):
    enrolment = EnrolmentFactory(session=past_session)
    record(enrolment)
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.CANCELLED)

    for kind in KINDS:
        response = client.get(trainee_url(enrolment, kind))
        assert response.status_code == 302
    assert (
        "/convocation.pdf"
        not in client.get(
            reverse("enrolment:detail", args=[enrolment_token(enrolment)])
        ).content.decode()
    )


def test_a_bad_personal_link_gets_no_document(client, lea, no_pdf):
    token = enrolment_token(lea)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = client.get(reverse("enrolment:document_convocation", args=[forged]))

    assert response.status_code == 404


def test_an_expired_personal_link_gets_no_document(client, lea, no_pdf, settings):
    token = enrolment_token(lea)
    with mock.patch("time.time", return_value=datetime.datetime.now().timestamp() + 10**8):
        response = client.get(reverse("enrolment:document_convocation", args=[token]))

    assert response.status_code == 410


# The personal page once the session is over ---------------------------------------------------


def detail_text(client, enrolment):
    return page_text(client.get(reverse("enrolment:detail", args=[enrolment_token(enrolment)])))


def test_a_finished_sessions_page_says_it_is_over_and_that_the_documents_will_follow(
    client, past_session
):
    enrolment = EnrolmentFactory(session=past_session)

    text = detail_text(client, enrolment)

    assert "La session est terminée" in text
    assert "seront disponibles sur cette page dès que l'organisme de formation aura saisi" in text
    assert "Vous recevrez une convocation" not in text
    assert "La session a commencé" not in text
    assert "Annuler mon inscription" not in text


def test_a_finished_sessions_page_points_to_the_documents_once_attendance_is_recorded(
    client, past_session
):
    enrolment = EnrolmentFactory(session=past_session)
    record(enrolment)

    text = detail_text(client, enrolment)

    assert "La session est terminée" in text
    assert "sont disponibles ci-dessus, dans «\u00a0Mes documents\u00a0»" in text
    assert "Mon certificat de réalisation" in text
    assert "seront disponibles" not in text


def test_a_waitlisted_trainee_of_a_finished_session_is_told_it_is_over(client, waitlisted):
    text = detail_text(client, waitlisted)

    assert "La session est terminée sans que votre inscription ait été confirmée." in text
    assert "liste d'attente, en position" not in text
    assert "Mes documents" not in text


def test_a_running_sessions_page_says_it_has_started_not_that_it_is_over(client, past_session):
    today = timezone.localdate()
    session = SessionFactory(
        registration_deadline=today - datetime.timedelta(days=10),
        days=[today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)],
    )
    enrolment = EnrolmentFactory(session=session)

    text = detail_text(client, enrolment)

    assert "La session a commencé" in text
    assert "Votre place est confirmée." in text
    assert "Vous recevrez une convocation" not in text
    assert "est terminée" not in text


def test_an_upcoming_sessions_page_still_announces_the_convocation(client):
    enrolment = EnrolmentFactory(session=SessionFactory(starts_in=30))

    text = detail_text(client, enrolment)

    assert "Vous recevrez une convocation quelques jours avant la session." in text
    assert "est terminée" not in text

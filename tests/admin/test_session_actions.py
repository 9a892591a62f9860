"""The session list's actions (duplicate, exports) and the session page's mails to trainees
(convocation preview, send now, resend, "Écrire aux stagiaires"), through the admin as an
OPCO manager, and refused to a staff account that may only look at sessions."""

import csv
import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogue.models import OpcoStaff, Session
from enrolment.mails import MailKind
from enrolment.models import Attendance, Enrolment, StaffMessage, Transition
from outbox.models import OutboxMail
from tests.factories import (
    EnrolmentFactory,
    FundingPartnerFactory,
    OpcoFactory,
    SessionFactory,
    TraineeFactory,
    TrainerFactory,
    UserFactory,
    opco_staff_user,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalogue_session_changelist")


def url(name, session):
    return reverse(f"admin:catalogue_session_{name}", args=[session.pk])


def act(client, action, sessions):
    return client.post(
        CHANGELIST,
        {"action": action, "index": "0", "_selected_action": [s.pk for s in sessions]},
    )


def token(n=1):
    return f"{n:032x}"


@pytest.fixture
def viewer_client(client):
    """A staff account of the same OPCO that may only look at sessions and enrolments."""
    user = UserFactory(is_staff=True)
    OpcoStaff.objects.create(user=user, opco=OpcoFactory())
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_session", "view_enrolment", "view_trainee"])
    )
    client.force_login(user)
    return client


# Duplicate.


def test_duplicate_makes_a_draft_copy_with_days_trainers_and_partners(staff_client, staff_user):
    original = SessionFactory(label="Groupe 3", reference="CRF-12")
    trainer = TrainerFactory(provider=original.provider)
    original.trainers.add(trainer)
    original.partners.add(FundingPartnerFactory())
    EnrolmentFactory(session=original)

    response = act(staff_client, "duplicate_sessions", [original])

    copy = Session.objects.exclude(pk=original.pk).get()
    assert response.status_code == 302
    assert response["Location"] == url("change", copy)
    assert copy.status == Session.Status.DRAFT
    assert copy.label == "Groupe 3 (copie)"
    assert copy.reference == ""
    assert (copy.module, copy.provider, copy.city, copy.capacity) == (
        original.module,
        original.provider,
        original.city,
        original.capacity,
    )
    assert [d.date for d in copy.sorted_days] == [d.date for d in original.sorted_days]
    assert list(copy.trainers.all()) == [trainer]
    assert list(copy.partners.all()) == list(original.partners.all())
    assert not copy.enrolments.exists()
    assert Transition.objects.get(session=copy).actor == staff_user


def test_duplicate_is_refused_without_the_add_permission(viewer_client):
    original = SessionFactory()
    response = act(viewer_client, "duplicate_sessions", [original])
    # The action is not offered to them: Django's changelist refuses it as an unknown action.
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Aucune action sélectionnée."]
    assert Session.objects.count() == 1


# Exports.


def _csv(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _xlsx(response):
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def two_sessions():
    today = timezone.localdate()
    running = SessionFactory(
        label="Groupe 1",
        registration_deadline=today - datetime.timedelta(days=10),
        days=[today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)],
    )
    later = SessionFactory(label="Groupe 2", capacity=2, min_participants=2)
    present = EnrolmentFactory(
        session=running,
        trainee=TraineeFactory(last_name='=HYPERLINK("http://x")', first_name="Léa"),
    )
    day = running.sorted_days[0]
    Attendance.objects.create(enrolment=present, day=day, half_day="am", status="present")
    Attendance.objects.create(enrolment=present, day=day, half_day="pm", status="absent")
    EnrolmentFactory(session=running, status=Enrolment.Status.UNCONFIRMED)
    EnrolmentFactory(session=later, trainee=TraineeFactory(last_name="Martin"))
    EnrolmentFactory(session=later, status="waitlisted", trainee=TraineeFactory(last_name="Petit"))
    return running, later


def test_enrolments_export_of_the_selected_sessions_in_csv(staff_client, two_sessions):
    running, later = two_sessions
    rows = _csv(act(staff_client, "export_enrolments_csv", [running, later]))
    header = rows[0]
    assert header[:3] == ["Session", "Organisme", "Premier jour"]
    for column in ("E-mail", "Téléphone", "Métier", "Niveau de diplôme", "SIRET", "Statut"):
        assert column in header
    by_name = {row[header.index("Nom")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    # The unconfirmed address is not exported; the formula is text.
    assert set(by_name) == {'\'=HYPERLINK("http://x")', "Martin", "Petit"}
    lea = by_name['\'=HYPERLINK("http://x")']
    assert lea["Statut"] == "Confirmée"
    assert lea["Demi-journées présent"] == "1"
    assert lea["Demi-journées de la session"] == "4"
    assert lea["Heures suivies"] == "3,5"
    assert lea["Niveau de diplôme"]
    assert by_name["Petit"]["Position en liste d'attente"] == "1"
    assert by_name["Petit"]["Heures suivies"] == ""


def test_enrolments_export_in_xlsx_keeps_numbers(staff_client, two_sessions):
    running, later = two_sessions
    rows = _xlsx(act(staff_client, "export_enrolments_xlsx", [running, later]))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["Nom"] == '\'=HYPERLINK("http://x")'
    assert Decimal(str(first["Heures suivies"])) == Decimal("3.5")
    assert len(rows) == 4


def test_enrolments_export_costs_the_same_queries_for_more_sessions(staff_client, two_sessions):
    running, later = two_sessions

    def count(sessions):
        with CaptureQueriesContext(connection) as queries:
            assert act(staff_client, "export_enrolments_csv", sessions).status_code == 200
        return len(queries)

    few = count([running])
    more = [SessionFactory() for _ in range(3)]
    for session in more:
        EnrolmentFactory(session=session)
    assert count([running, later, *more]) == few


def test_sessions_export_with_their_fill(staff_client, two_sessions):
    running, later = two_sessions
    rows = _csv(act(staff_client, "export_sessions_csv", [running, later]))
    header = rows[0]
    table = {row[header.index("Groupe")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert table["Groupe 2"]["Confirmés"] == "1"
    assert table["Groupe 2"]["Liste d'attente"] == "1"
    assert table["Groupe 2"]["Places restantes"] == "1"
    assert table["Groupe 2"]["Sous le minimum"] == "oui"
    assert table["Groupe 1"]["Premier jour"] == f"{running.sorted_days[0].date:%d/%m/%Y}"
    assert _xlsx(act(staff_client, "export_sessions_xlsx", [running, later]))[0] == header


def test_exports_are_refused_without_the_view_permission(client, two_sessions):
    user = UserFactory(is_staff=True)
    OpcoStaff.objects.create(user=user, opco=OpcoFactory())
    client.force_login(user)
    response = act(client, "export_enrolments_csv", list(two_sessions))
    assert response.status_code == 403


def test_a_started_session_offers_no_sending(staff_client):
    today = timezone.localdate()
    running = SessionFactory(
        registration_deadline=today - datetime.timedelta(days=10),
        days=[today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)],
    )
    EnrolmentFactory(session=running)
    page = staff_client.get(url("convocation", running))
    assert page.status_code == 200
    assert not page.context["can_send"]
    assert "les convocations ne partent plus" in page.content.decode()
    response = staff_client.post(url("convocation", running), {"token": token(14)}, follow=True)
    assert "La session a commencé" in response.content.decode()
    assert not OutboxMail.objects.exists()


# Convocations.


@pytest.fixture
def upcoming():
    session = SessionFactory()
    EnrolmentFactory(session=session, trainee=TraineeFactory(last_name="Bernard"))
    EnrolmentFactory(session=session, trainee=TraineeFactory(last_name="Durand"))
    EnrolmentFactory(session=session, status="waitlisted")
    return session


def test_convocation_preview_shows_the_mail_of_a_confirmed_trainee(staff_client, upcoming):
    bernard = upcoming.enrolments.get(trainee__last_name="Bernard")
    page = staff_client.get(url("convocation", upcoming))
    assert page.status_code == 200
    assert page.context["enrolment"].pk == bernard.pk
    assert page.context["message"].to == [bernard.trainee.email]
    assert page.context["message"].subject.startswith("Convocation – ")
    assert "Vous êtes convoqué(e)" in page.content.decode()
    assert page.context["attachments"] == ["formation.ics"]
    # Nothing is queued by a preview.
    assert not OutboxMail.objects.exists()

    html = staff_client.get(url("convocation_html", upcoming), {"inscription": bernard.pk})
    assert html.status_code == 200
    assert "Votre convocation" in html.content.decode()
    assert "'unsafe-inline'" in html["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]


def test_convocation_preview_of_a_session_without_confirmed_trainee_uses_a_sample(staff_client):
    draft = SessionFactory(status=Session.Status.DRAFT)
    page = staff_client.get(url("convocation", draft))
    assert page.status_code == 200
    assert page.context["sample"]
    assert "Camille Exemple" in page.context["message"].body
    assert not page.context["can_send"]


def test_send_now_queues_each_convocation_once_whoever_comes_first(
    staff_client, staff_user, upcoming
):
    response = staff_client.post(url("convocation", upcoming), {"token": token(1)})
    assert response.status_code == 302
    convocations = OutboxMail.objects.filter(kind=MailKind.CONVOCATION)
    assert convocations.count() == 2
    record = StaffMessage.objects.get()
    assert (record.kind, record.recipient_count, record.sent_by) == (
        "convocations",
        2,
        staff_user,
    )
    # The same form again, then a new one: nothing more.
    staff_client.post(url("convocation", upcoming), {"token": token(1)})
    staff_client.post(url("convocation", upcoming), {"token": token(2)})
    assert convocations.count() == 2
    page = staff_client.get(url("change", upcoming)).content.decode()
    assert "Convocations envoyées" in page


def test_resend_to_one_trainee_is_a_new_reason_recorded_once_per_form(staff_client, upcoming):
    bernard = upcoming.enrolments.get(trainee__last_name="Bernard")
    resend = url("convocation_resend", upcoming)
    staff_client.post(url("convocation", upcoming), {"token": token(1)})

    for form_token in (token(2), token(2), token(3)):
        response = staff_client.post(resend, {"inscription": bernard.pk, "token": form_token})
        assert response.status_code == 302

    mails = OutboxMail.objects.filter(kind=MailKind.CONVOCATION, recipient=bernard.trainee.email)
    assert mails.count() == 3  # the first, and two resends
    records = StaffMessage.objects.filter(kind="convocation_resend")
    assert [r.enrolment_id for r in records] == [bernard.pk, bernard.pk]


def test_resend_refuses_a_trainee_who_is_not_confirmed(staff_client, upcoming):
    waitlisted = upcoming.enrolments.get(status="waitlisted")
    response = staff_client.post(
        url("convocation_resend", upcoming),
        {"inscription": waitlisted.pk, "token": token(4)},
        follow=True,
    )
    assert "Seul un stagiaire confirmé" in response.content.decode()
    assert not OutboxMail.objects.exists()


def test_resend_of_another_sessions_enrolment_answers_404(staff_client, upcoming):
    other = EnrolmentFactory()
    response = staff_client.post(
        url("convocation_resend", upcoming), {"inscription": other.pk, "token": token(5)}
    )
    assert response.status_code == 404


def test_another_opcos_session_answers_404(client, upcoming):
    client.force_login(opco_staff_user(OpcoFactory(name="Uniformation", slug="uniformation")))
    assert client.get(url("convocation", upcoming)).status_code == 404
    assert client.post(url("convocation", upcoming), {"token": token(6)}).status_code == 404
    assert client.get(url("staff_message", upcoming)).status_code == 404
    assert not OutboxMail.objects.exists()


# Écrire aux stagiaires.


def test_message_goes_once_to_each_confirmed_trainee_and_is_recorded(
    staff_client, staff_user, upcoming, django_capture_on_commit_callbacks, mailoutbox
):
    assert staff_client.get(url("staff_message", upcoming)).status_code == 200
    data = {
        "subject": "Salle changée",
        "body": "Rendez-vous salle <b>B</b>.\nMerci.",
        "token": token(7),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url("staff_message", upcoming), data)
        staff_client.post(url("staff_message", upcoming), data)  # posted twice
    assert response.status_code == 302

    confirmed = upcoming.enrolments.filter(status="confirmed").select_related("trainee")
    assert sorted(m.to[0] for m in mailoutbox) == sorted(e.trainee.email for e in confirmed)
    mail = mailoutbox[0]
    assert mail.subject.startswith("Salle changée – ")
    html = mail.alternatives[0][0]
    assert "salle &lt;b&gt;B&lt;/b&gt;." in html
    assert "Rendez-vous salle <b>B</b>." in mail.body

    record = StaffMessage.objects.get()
    assert (record.subject, record.recipient_count, record.sent_by) == (
        "Salle changée",
        2,
        staff_user,
    )
    page = staff_client.get(url("change", upcoming)).content.decode()
    assert "Salle changée" in page
    assert "2 stagiaires" in page


def test_message_may_include_the_waiting_list(staff_client, upcoming):
    staff_client.post(
        url("staff_message", upcoming),
        {"subject": "Info", "body": "Texte", "include_waitlisted": "on", "token": token(8)},
    )
    assert OutboxMail.objects.filter(kind=MailKind.STAFF_MESSAGE).count() == 3


@pytest.mark.parametrize(
    ("subject", "body"),
    [("", "Texte"), ("Objet", ""), ("\u200b", "Texte"), ("Objet", "x" * 2001), ("x" * 151, "y")],
)
def test_message_out_of_bounds_is_a_form_error_and_sends_nothing(
    staff_client, upcoming, subject, body
):
    response = staff_client.post(
        url("staff_message", upcoming), {"subject": subject, "body": body, "token": token(9)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'id="erreurs"' in response.content.decode()
    assert not StaffMessage.objects.exists()
    assert not OutboxMail.objects.exists()


def test_message_subject_on_one_line(staff_client, upcoming):
    staff_client.post(
        url("staff_message", upcoming),
        {"subject": "Bonjour\r\nBcc: x@example.org", "body": "Texte", "token": token(10)},
    )
    assert StaffMessage.objects.get().subject == "Bonjour Bcc: x@example.org"


def test_message_with_a_forged_token_is_refused(staff_client, upcoming):
    response = staff_client.post(
        url("staff_message", upcoming), {"subject": "A", "body": "B", "token": "nope"}
    )
    assert response.status_code == 200
    assert not OutboxMail.objects.exists()


# Refused without the permission.


def test_mails_to_trainees_are_refused_to_staff_who_may_only_look(viewer_client, upcoming):
    bernard = upcoming.enrolments.get(trainee__last_name="Bernard")
    assert viewer_client.get(url("convocation", upcoming)).status_code == 200
    assert viewer_client.post(url("convocation", upcoming), {"token": token(11)}).status_code == 403
    assert (
        viewer_client.post(
            url("convocation_resend", upcoming), {"inscription": bernard.pk, "token": token(12)}
        ).status_code
        == 403
    )
    assert viewer_client.get(url("staff_message", upcoming)).status_code == 403
    assert (
        viewer_client.post(
            url("staff_message", upcoming), {"subject": "A", "body": "B", "token": token(13)}
        ).status_code
        == 403
    )
    assert not OutboxMail.objects.exists()
    assert not StaffMessage.objects.exists()


def test_session_page_links_to_the_mail_pages(staff_client, upcoming):
    page = staff_client.get(url("change", upcoming)).content.decode()
    assert url("convocation", upcoming) in page
    assert url("staff_message", upcoming) in page
    assert re.search("Aucun message ni convocation envoyé", page)


def test_a_confirmed_enrolments_page_links_to_its_convocation(staff_client, upcoming):
    bernard = upcoming.enrolments.get(trainee__last_name="Bernard")
    page = staff_client.get(reverse("admin:enrolment_enrolment_change", args=[bernard.pk]))
    assert f"{url('convocation', upcoming)}?inscription={bernard.pk}" in page.content.decode()


# What staff sent, in the session's history page (the admin's LogEntry) too.


def _history(client, session):
    return client.get(url("history", session)).content.decode().replace("&#x27;", "'")


def test_each_send_is_a_line_of_the_sessions_history(staff_client, upcoming):
    bernard = upcoming.enrolments.get(trainee__last_name="Bernard")
    staff_client.post(url("convocation", upcoming), {"token": token(1)})
    staff_client.post(
        url("convocation_resend", upcoming), {"inscription": bernard.pk, "token": token(2)}
    )
    staff_client.post(
        url("staff_message", upcoming),
        {"subject": "Salle changée", "body": "Salle B.", "token": token(3)},
    )

    page = _history(staff_client, upcoming)

    assert "Convocations envoyées maintenant à 2 stagiaires." in page
    assert f"Convocation renvoyée à {bernard.trainee.full_name}." in page
    assert "Message «\u00a0Salle changée\u00a0» envoyé à 2 stagiaires." in page


def test_a_send_now_that_sends_nothing_is_not_recorded_and_says_so(staff_client, upcoming):
    staff_client.post(url("convocation", upcoming), {"token": token(1)})

    response = staff_client.post(url("convocation", upcoming), {"token": token(2)}, follow=True)

    assert "Aucune convocation envoyée\u00a0: chaque stagiaire confirmé l'a déjà reçue." in [
        str(m) for m in response.context["messages"]
    ]
    assert StaffMessage.objects.filter(kind="convocations").count() == 1
    assert _history(staff_client, upcoming).count("Convocations envoyées maintenant") == 1

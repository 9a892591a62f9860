"""The trainee's copy of their data holds the mails sent to them with their subject, the text
staff added (a cancellation's reason), and the subject and text of the messages staff wrote to
the session's trainees ("Écrire aux stagiaires"): what the portal keeps of them."""

import pytest
from django.urls import reverse

from enrolment.mails import MailKind
from enrolment.personal_data import trainee_data
from enrolment.session_services import session_cancel
from enrolment.staff_mails import staff_message_send
from enrolment.transitions import Actor
from tests.factories import EnrolmentFactory, SessionFactory

pytestmark = pytest.mark.django_db

STAFF = Actor.staff(None)


def test_the_copy_holds_staff_messages_and_added_texts(django_assert_max_num_queries):
    session = SessionFactory()
    enrolment = EnrolmentFactory(session=session)
    staff_message_send(
        session_id=session.pk,
        subject="Salle changée",
        body="Rendez-vous salle B.",
        include_waitlisted=False,
        token="a" * 32,
        by=STAFF,
    )
    session_cancel(session_id=session.pk, reason="Formatrice malade", by=STAFF)

    with django_assert_max_num_queries(12):
        mails = trainee_data(enrolment.trainee)["e-mails"]

    by_kind = {mail["type"]: mail for mail in mails}
    message = by_kind[str(MailKind.STAFF_MESSAGE.label)]
    assert message["message"]["objet"] == "Salle changée"
    assert message["message"]["message"] == "Rendez-vous salle B."
    assert "objet" in message
    cancelled = by_kind[str(MailKind.SESSION_CANCELLED.label)]
    assert cancelled["message ajouté"] == "Formatrice malade"


def test_the_number_of_queries_does_not_grow_with_the_messages(django_assert_max_num_queries):
    session = SessionFactory()
    enrolment = EnrolmentFactory(session=session)
    for n in range(3):
        staff_message_send(
            session_id=session.pk,
            subject=f"Message {n}",
            body="Texte.",
            include_waitlisted=False,
            token=f"{n:032x}",
            by=STAFF,
        )

    with django_assert_max_num_queries(12):
        mails = trainee_data(enrolment.trainee)["e-mails"]

    assert [mail["message"]["objet"] for mail in mails] == ["Message 0", "Message 1", "Message 2"]


def test_the_privacy_page_says_what_is_kept_of_the_mails(client):
    page = client.get(reverse("catalogue:privacy")).content.decode().replace("&#x27;", "'")
    page = " ".join(page.split())

    assert "tout ce que le portail conserve" not in page
    assert "le texte n'étant pas conservé" not in page
    assert "type, objet, dates, le texte ajouté par l'OPCO" in page
    assert "Les messages que l'OPCO écrit aux stagiaires d'une session" in page

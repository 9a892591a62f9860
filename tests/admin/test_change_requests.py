"""OPCO staff decide on a provider's proposed change to a published session: on the session's
page (what changes, old -> new, and the buttons) or on the proposal's own page."""

import datetime

import pytest
from django.test import Client

from enrolment.mails import MailKind
from enrolment.models import SessionChangeRequest
from enrolment.session_services import session_provider_save
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.admin.formdata import admin_form_data
from tests.factories import EnrolmentFactory, ProviderFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _proposal(session, **fields):
    member = UserFactory()
    session.provider.members.add(member)
    days = [
        {
            "id": day.pk,
            "date": day.date + datetime.timedelta(days=7),
            "morning_start": day.morning_start,
            "morning_end": day.morning_end,
            "afternoon_start": day.afternoon_start,
            "afternoon_end": day.afternoon_end,
        }
        for day in session.days.order_by("date")
    ]
    session_provider_save(
        provider_id=session.provider_id,
        session_id=session.pk,
        fields={"label": session.label, **fields},
        days=days,
        trainer_ids=[],
        by=Actor.provider(member),
    )
    return SessionChangeRequest.objects.get(session=session, status="pending")


@pytest.fixture
def session():
    return SessionFactory(provider=ProviderFactory(), capacity=12, min_participants=0)


def test_session_page_shows_the_pending_proposal_and_its_buttons(staff_client, session):
    request = _proposal(session, capacity=15)

    response = staff_client.get(f"/admin/catalogue/session/{session.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Modification proposée par l&#x27;organisme" in html
    assert '<th scope="row">Places</th><td>12</td><td>15</td>' in html
    # Outside the session's form: Enter in a field saves the session, never approves.
    form_start = html.index('id="session_form"')
    approve = html.index(f'action="/admin/enrolment/sessionchangerequest/{request.pk}/approuver/"')
    assert approve < form_start
    assert f"/admin/enrolment/sessionchangerequest/{request.pk}/refuser/" in html


def test_session_page_without_proposal_has_no_such_section(staff_client, session):
    response = staff_client.get(f"/admin/catalogue/session/{session.pk}/change/")

    assert response.status_code == 200
    assert "Approuver la modification" not in response.content.decode()


def test_proposal_pages_answer_for_staff(staff_client, session):
    request = _proposal(session, capacity=15)

    assert staff_client.get("/admin/enrolment/sessionchangerequest/").status_code == 200
    page = staff_client.get(f"/admin/enrolment/sessionchangerequest/{request.pk}/change/")
    assert page.status_code == 200
    assert "approuver/" in page.content.decode()
    assert (
        staff_client.get(f"/admin/enrolment/sessionchangerequest/{request.pk}/refuser/").status_code
        == 200
    )


def test_approval_from_the_session_page_applies_it(staff_client, session):
    EnrolmentFactory(session=session)
    request = _proposal(session, capacity=15)

    response = staff_client.post(f"/admin/enrolment/sessionchangerequest/{request.pk}/approuver/")

    assert response.status_code == 302
    assert response["Location"] == f"/admin/catalogue/session/{session.pk}/change/"
    request.refresh_from_db()
    session.refresh_from_db()
    assert request.status == "approved"
    assert session.capacity == 15
    assert OutboxMail.objects.filter(kind=MailKind.SESSION_CHANGED).count() == 1


def test_approval_refused_by_a_rule_is_a_message(staff_client, session):
    request = _proposal(session, capacity=2)
    EnrolmentFactory.create_batch(3, session=session)

    response = staff_client.post(
        f"/admin/enrolment/sessionchangerequest/{request.pk}/approuver/", follow=True
    )

    assert response.status_code == 200
    assert "3 places sont déjà" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


def test_rejection_with_a_reason(staff_client, session):
    request = _proposal(session, capacity=15)

    response = staff_client.post(
        f"/admin/enrolment/sessionchangerequest/{request.pk}/refuser/",
        {"reason": "Salle indisponible."},
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.reason) == ("rejected", "Salle indisponible.")
    session.refresh_from_db()
    assert session.capacity == 12


def test_approval_is_post_only_and_needs_staff(staff_client, session):
    request = _proposal(session, capacity=15)
    url = f"/admin/enrolment/sessionchangerequest/{request.pk}/approuver/"

    assert staff_client.get(url).status_code == 405
    assert Client().post(url).status_code == 302  # to the admin's login
    request.refresh_from_db()
    assert request.status == "pending"


def test_staff_moving_a_published_sessions_day_tells_its_trainees_once(staff_client, session):
    EnrolmentFactory(session=session)
    url = f"/admin/catalogue/session/{session.pk}/change/"
    data = admin_form_data(staff_client.get(url))
    data["days-0-morning_start"] = "09:30"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert OutboxMail.objects.filter(kind=MailKind.SESSION_CHANGED).count() == 1
    # Saved again unchanged: no other mail.
    staff_client.post(url, admin_form_data(staff_client.get(url)))
    assert OutboxMail.objects.filter(kind=MailKind.SESSION_CHANGED).count() == 1

"""OPCO staff reach a session's participants and attendance grid from its admin page: the same
exports, grid, form and service as the providers' space."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from catalogue.models import Session
from enrolment.models import Attendance, Enrolment
from tests.factories import EnrolmentFactory, SessionFactory, TraineeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def running():
    today = timezone.localdate()
    return SessionFactory(
        registration_deadline=today - datetime.timedelta(days=10),
        days=[today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)],
    )


def admin_url(session, suffix):
    return f"/admin/catalogue/session/{session.pk}/{suffix}"


def test_session_page_links_to_participants_and_attendance(staff_client, running):
    content = staff_client.get(admin_url(running, "change/")).content.decode()
    assert admin_url(running, "participants.xlsx") in content
    assert admin_url(running, "participants.csv") in content
    assert admin_url(running, "presences/") in content


def test_staff_download_the_participants(staff_client, running):
    EnrolmentFactory(session=running, trainee=TraineeFactory(last_name="=Bernard"))
    response = staff_client.get(admin_url(running, "participants.csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "'=Bernard"
    assert rows[1][7] == "Confirmée"
    assert staff_client.get(admin_url(running, "participants.xlsx")).status_code == 200


def test_staff_record_the_grid(staff_client, running):
    bernard = EnrolmentFactory(session=running)
    EnrolmentFactory(session=running, status=Enrolment.Status.CANCELLED)
    first, second = running.sorted_days
    page = staff_client.get(admin_url(running, "presences/"))
    assert page.status_code == 200
    assert [row.enrolment for row in page.context["form"].grid.rows] == [bernard]

    response = staff_client.post(
        admin_url(running, "presences/"),
        {f"presence-{bernard.pk}-{first.pk}-am": "present", "fill_present": "on"},
    )
    assert response.status_code == 302
    assert set(Attendance.objects.filter(enrolment=bernard).values_list("half_day", "status")) == {
        ("am", "present"),
        ("pm", "present"),
    }

    refused = staff_client.post(
        admin_url(running, "presences/"), {f"presence-{bernard.pk}-{second.pk}-am": "absent"}
    )
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors()
    assert not Attendance.objects.filter(day=second).exists()


def test_pages_of_a_missing_session_are_not_found(staff_client):
    assert staff_client.get("/admin/catalogue/session/999999/presences/").status_code == 404
    assert staff_client.get("/admin/catalogue/session/999999/participants.csv").status_code == 404


def test_visitors_are_sent_to_the_admin_login(client, running):
    response = client.get(admin_url(running, "presences/"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_cancelled_sessions_grid_says_why_and_saves_nothing(staff_client, running):
    bernard = EnrolmentFactory(session=running)
    first, _ = running.sorted_days
    Session.objects.filter(pk=running.pk).update(status=Session.Status.CANCELLED)
    cancelled = "La session est annulée\u00a0: sa feuille de présence ne se saisit plus."

    page = staff_client.get(admin_url(running, "presences/"))
    assert cancelled in page.content.decode()
    assert 'name="presence-' not in page.content.decode()

    response = staff_client.post(
        admin_url(running, "presences/"), {f"presence-{bernard.pk}-{first.pk}-am": "present"}
    )
    assert response.status_code == 200
    assert cancelled in response.context["form"].non_field_errors()
    assert not Attendance.objects.exists()


def test_staff_see_the_same_grid_state_and_message_as_providers(staff_client, running):
    EnrolmentFactory(session=running)
    page = staff_client.get(admin_url(running, "presences/"))
    assert "La présence reste à saisir pour 1 stagiaire." in page.content.decode()

    response = staff_client.post(
        admin_url(running, "presences/"), {"fill_present": "on"}, follow=True
    )
    assert "La feuille de présence est enregistrée." in response.content.decode()

"""The attendance grid in the providers' space: one submit records every cell, a re-save
updates, the days to come and another provider's session or trainees are refused, with nothing
saved; the page costs the same queries for 3 and 30 trainees."""

import datetime

import pytest
from django.utils import timezone

from catalogue.models import Session
from enrolment.models import Attendance, Enrolment
from tests.factories import EnrolmentFactory, SessionFactory, TraineeFactory

from .test_query_counts import queries_for

pytestmark = pytest.mark.django_db


def url(session):
    return f"/espace-organisme/sessions/{session.pk}/presences/"


def field(enrolment, day, half_day):
    return f"presence-{enrolment.pk}-{day.pk}-{half_day}"


@pytest.fixture
def running(provider, module_2):
    """A session whose first day was yesterday and whose second day is tomorrow."""
    today = timezone.localdate()
    return SessionFactory(
        provider=provider,
        module=module_2,
        registration_deadline=today - datetime.timedelta(days=10),
        days=[today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)],
    )


@pytest.fixture
def trainees(running):
    return [
        EnrolmentFactory(session=running, trainee=TraineeFactory(last_name=name))
        for name in ("Bernard", "Moreau")
    ]


def statuses(session):
    return {
        (row.enrolment_id, row.day_id, row.half_day): row.status
        for row in Attendance.objects.filter(day__session=session)
    }


def test_the_grid_shows_confirmed_trainees_by_half_day(alice_client, running, trainees):
    EnrolmentFactory(
        session=running,
        status=Enrolment.Status.PENDING,
        prerequisite_basis="practice",
        prerequisite_practice="Maraudes.",
    )
    response = alice_client.get(url(running))

    assert response.status_code == 200
    form = response.context["form"]
    assert [row.enrolment for row in form.grid.rows] == trainees
    assert len(form.grid.columns) == 4
    first, second = running.sorted_days
    content = response.content.decode()
    # Past half-days are radio groups with a legend; the days to come are not editable.
    assert f'name="{field(trainees[0], first, "am")}"' in content
    assert f'name="{field(trainees[0], second, "am")}"' not in content
    assert "<legend" in content and 'scope="row"' in content and 'scope="col"' in content
    assert "Présent(e)" in content and "Absence excusée" in content


def test_one_submit_records_the_grid_and_a_resave_updates_it(alice_client, running, trainees):
    first, _ = running.sorted_days
    bernard, moreau = trainees
    data = {
        field(bernard, first, "am"): "present",
        field(bernard, first, "pm"): "absent",
        field(moreau, first, "am"): "excused",
        field(moreau, first, "pm"): "present",
    }
    response = alice_client.post(url(running), data)

    assert response.status_code == 302
    assert statuses(running) == {
        (bernard.pk, first.pk, "am"): "present",
        (bernard.pk, first.pk, "pm"): "absent",
        (moreau.pk, first.pk, "am"): "excused",
        (moreau.pk, first.pk, "pm"): "present",
    }
    page = alice_client.get(url(running))
    assert page.context["form"][field(bernard, first, "pm")].value() == "absent"

    data[field(bernard, first, "pm")] = "excused"
    alice_client.post(url(running), data)
    assert statuses(running)[(bernard.pk, first.pk, "pm")] == "excused"
    assert Attendance.objects.filter(day__session=running).count() == 4


def test_fill_present_marks_the_empty_cells(alice_client, running, trainees):
    first, _ = running.sorted_days
    bernard, moreau = trainees
    alice_client.post(url(running), {field(bernard, first, "am"): "absent", "fill_present": "on"})
    recorded = statuses(running)
    assert recorded[(bernard.pk, first.pk, "am")] == "absent"
    assert recorded[(moreau.pk, first.pk, "pm")] == "present"
    assert len(recorded) == 4


def test_a_day_to_come_is_refused_and_nothing_is_saved(alice_client, running, trainees):
    first, second = running.sorted_days
    bernard, _ = trainees
    response = alice_client.post(
        url(running),
        {field(bernard, first, "am"): "present", field(bernard, second, "am"): "present"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "erreurs-titre" in response.content.decode()
    assert not Attendance.objects.exists()


def test_another_sessions_trainee_is_refused_and_nothing_is_saved(
    alice_client, running, trainees, other_session
):
    first, _ = running.sorted_days
    stranger = EnrolmentFactory(session=other_session)
    response = alice_client.post(
        url(running),
        {
            field(trainees[0], first, "am"): "present",
            f"presence-{stranger.pk}-{first.pk}-am": "present",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Attendance.objects.exists()


def test_an_unknown_status_is_an_error_next_to_its_cell(alice_client, running, trainees):
    first, _ = running.sorted_days
    name = field(trainees[0], first, "am")
    response = alice_client.post(url(running), {name: "asleep"})
    assert response.status_code == 200
    assert response.context["form"].errors[name]
    assert not Attendance.objects.exists()


def test_another_providers_session_is_not_found(alice_client, other_session):
    enrolment = EnrolmentFactory(session=other_session)
    day = other_session.sorted_days[0]
    assert alice_client.get(url(other_session)).status_code == 404
    response = alice_client.post(url(other_session), {field(enrolment, day, "am"): "present"})
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_the_grid_requires_login(client, running):
    response = client.get(url(running))
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_the_grid_runs_the_same_queries_for_3_and_30_trainees(alice_client, provider, module_2):
    today = timezone.localdate()
    sessions = []
    for count in (3, 30):
        session = SessionFactory(
            provider=provider,
            module=module_2,
            registration_deadline=today - datetime.timedelta(days=10),
            days=[today - datetime.timedelta(days=2), today - datetime.timedelta(days=1)],
        )
        for enrolment in EnrolmentFactory.create_batch(count, session=session):
            Attendance.objects.create(
                enrolment=enrolment, day=session.sorted_days[0], half_day="am"
            )
        sessions.append(session)
    assert queries_for(alice_client, url(sessions[0])) == queries_for(
        alice_client, url(sessions[1])
    )


CANCELLED = "La session est annulée\u00a0: sa feuille de présence ne se saisit plus."


def test_a_cancelled_sessions_grid_says_why_and_saves_nothing(alice_client, running, trainees):
    first, _ = running.sorted_days
    Session.objects.filter(pk=running.pk).update(status=Session.Status.CANCELLED)

    page = alice_client.get(url(running))
    html = page.content.decode()
    assert page.status_code == 200
    assert CANCELLED in html
    assert 'name="presence-' not in html
    assert "Enregistrer la feuille de présence" not in html

    for data in ({field(trainees[0], first, "am"): "present"}, {}):
        response = alice_client.post(url(running), data, follow=True)
        assert response.status_code == 200
        assert CANCELLED in response.context["form"].non_field_errors()
        assert "erreurs-titre" in response.content.decode()
        assert "est enregistrée" not in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_grid_says_how_many_trainees_remain_to_record(alice_client, running, trainees):
    first, _ = running.sorted_days
    bernard, moreau = trainees
    html = alice_client.get(url(running)).content.decode()
    assert "La présence reste à saisir pour 2 stagiaires." in html

    alice_client.post(url(running), {"fill_present": "on"})
    html = alice_client.get(url(running)).content.decode()
    # The second day is still to come.
    assert "La présence reste à saisir pour 2 stagiaires." in html
    assert "La feuille de présence est enregistrée." in html

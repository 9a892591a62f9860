"""The providers' space form of a session: proposing one, changing one, its days, its errors
in place, and another provider's session or account refused."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.formats import short_date
from catalogue.models import Session
from enrolment.models import Attendance, SessionChangeRequest
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    ProviderFactory,
    SessionFactory,
    TrainerFactory,
)

pytestmark = pytest.mark.django_db

NEW_URL = "/espace-organisme/sessions/nouvelle/"
IN_TWO_MONTHS = timezone.localdate() + datetime.timedelta(days=60)


def _messages(response):
    return " ".join(str(message) for message in response.context["messages"])


def edit_url(session):
    return f"/espace-organisme/sessions/{session.pk}/modifier/"


def _days_data(rows, *, initial=0):
    """The days formset's POST data: rows of (date, morning start, morning end, afternoon
    start, afternoon end[, id[, delete]])."""
    data = {
        "jours-TOTAL_FORMS": str(len(rows)),
        "jours-INITIAL_FORMS": str(initial),
        "jours-MIN_NUM_FORMS": "0",
        "jours-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(rows):
        date, *times = row[:5]
        data[f"jours-{index}-date"] = date.isoformat() if date else ""
        for name, value in zip(
            ("morning_start", "morning_end", "afternoon_start", "afternoon_end"), times, strict=True
        ):
            data[f"jours-{index}-{name}"] = value
        if len(row) > 5 and row[5]:
            data[f"jours-{index}-id"] = str(row[5])
        if len(row) > 6 and row[6]:
            data[f"jours-{index}-DELETE"] = "on"
    return data


def _usual(date, day_id=None, delete=False):
    return (date, "09:00", "12:30", "13:30", "17:00", day_id, delete)


def _form_data(module, days, **overrides):
    data = {
        "module": str(module.pk),
        "label": "Groupe 4",
        "reference": "CRF-04",
        "venue_name": "Maison des associations",
        "venue_address": "10 rue Nationale",
        "postcode": "37000",
        "city": "Tours",
        "access_notes": "",
        "registration_deadline": (IN_TWO_MONTHS - datetime.timedelta(days=14)).isoformat(),
        "capacity": "14",
        "min_participants": "6",
        "disability_contact_name": "",
        "disability_contact_email": "",
        "disability_contact_phone": "",
        "context": "",
        "objectives": "",
        "prerequisites": "",
        "inter_session_work": "",
        **days,
    }
    data.update(overrides)
    return data


def _session_form_data(session, rows, **overrides):
    data = _form_data(
        session.module,
        _days_data(rows, initial=session.days.count()),
        label=session.label,
        reference=session.reference,
        venue_name=session.venue_name,
        venue_address=session.venue_address,
        postcode=session.postcode,
        city=session.city,
        registration_deadline=session.registration_deadline.isoformat(),
        capacity=str(session.capacity),
        min_participants=str(session.min_participants),
    )
    data.update(overrides)
    return data


def _existing_rows(session):
    return [
        (
            day.date,
            f"{day.morning_start:%H:%M}",
            f"{day.morning_end:%H:%M}",
            f"{day.afternoon_start:%H:%M}",
            f"{day.afternoon_end:%H:%M}",
            day.pk,
        )
        for day in session.days.order_by("date")
    ]


def test_new_session_form_prefills_the_usual_hours(alice_client, provider):
    TrainerFactory(provider=provider, last_name="Durand")
    TrainerFactory(last_name="Étrangère")

    response = alice_client.get(NEW_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="jours-0-morning_start" value="9 h 00"' in html
    assert 'name="jours-2-afternoon_end" value="17 h 00"' in html
    assert "Durand" in html
    assert "Étrangère" not in html
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


def test_proposing_a_session_submits_it_to_the_opco(alice_client, provider):
    module = ModuleFactory()
    trainer = TrainerFactory(provider=provider)
    rows = [
        _usual(IN_TWO_MONTHS),
        (IN_TWO_MONTHS + datetime.timedelta(days=1), "09:30", "12:30", "", ""),
        (None, "09:00", "12:30", "13:30", "17:00"),
    ]
    data = _form_data(module, _days_data(rows), trainers=[str(trainer.pk)])

    response = alice_client.post(NEW_URL, data, follow=True)

    session = Session.objects.get(provider=provider)
    assert response.redirect_chain[-1][0] == f"/espace-organisme/sessions/{session.pk}/"
    assert "envoyée à l'OPCO" in _messages(response)
    assert session.status == Session.Status.SUBMITTED
    assert (session.city, session.department, session.region) == (
        "Tours",
        "37",
        "Centre-Val de Loire",
    )
    first, second = session.sorted_days
    assert (second.morning_start, second.afternoon_start) == (datetime.time(9, 30), None)
    assert list(session.trainers.all()) == [trainer]


def test_errors_are_shown_next_to_their_fields_and_nothing_is_saved(alice_client, provider):
    module = ModuleFactory()
    rows = [
        _usual(IN_TWO_MONTHS),
        (IN_TWO_MONTHS + datetime.timedelta(days=1), "14:00", "12:30", "13:30", "17:00"),
        (IN_TWO_MONTHS + datetime.timedelta(days=2), "09:00", "", "13:30", "17:00"),
    ]
    data = _form_data(
        module,
        _days_data(rows),
        postcode="00000",
        min_participants="20",
        label="",
    )

    response = alice_client.post(NEW_URL, data)

    assert response.status_code == 200
    assert not Session.objects.exists()
    form = response.context["form"]
    assert "label" in form.errors
    html = response.content.decode()
    assert 'id="erreurs"' in html
    assert 'id="id_jours-2-morning_end_erreur"' in html
    # The form's own errors first; with them fixed, the service's are placed too.
    data.update(label="Groupe 4", **{"jours-2-morning_end": "12:30"})
    response = alice_client.post(NEW_URL, data)
    form = response.context["form"]
    assert set(form.errors) == {"postcode", "min_participants"}
    assert any(
        "le matin doit commencer avant de finir" in e for e in response.context["days_errors"]
    )
    assert 'href="#id_postcode"' in response.content.decode()
    assert not Session.objects.exists()


def test_editing_a_submitted_session_keeps_its_days_and_their_attendance(alice_client, provider):
    session = SessionFactory(provider=provider, status=Session.Status.SUBMITTED)
    first, second = session.sorted_days
    enrolment = EnrolmentFactory(session=session)
    attendance = Attendance.objects.create(enrolment=enrolment, day=second, half_day="pm")
    rows = _existing_rows(session)
    # The first day removed, the second one's afternoon shortened, a day added.
    rows[0] = (*rows[0], True)
    rows[1] = (rows[1][0], "09:00", "12:30", "13:30", "16:00", second.pk)
    rows.append(_usual(second.date + datetime.timedelta(days=1)))

    response = alice_client.post(edit_url(session), _session_form_data(session, rows))

    assert response.status_code == 302
    session.refresh_from_db()
    days = session.sorted_days
    assert [day.date for day in days] == [second.date, second.date + datetime.timedelta(days=1)]
    assert days[0].pk == second.pk
    assert days[0].afternoon_end == datetime.time(16, 0)
    assert Attendance.objects.filter(pk=attendance.pk).exists()
    assert not type(first).objects.filter(pk=first.pk).exists()


def test_editing_a_published_session_proposes_the_change(alice_client, provider):
    session = SessionFactory(provider=provider, capacity=12)
    data = _session_form_data(session, _existing_rows(session), capacity="16")

    response = alice_client.post(edit_url(session), data, follow=True)

    assert "attend la validation de l'OPCO" in _messages(response)
    session.refresh_from_db()
    assert session.capacity == 12
    assert SessionChangeRequest.objects.get(session=session).fields == {"capacity": 16}
    # The form then shows the proposal, and what it changes.
    page = alice_client.get(edit_url(session))
    assert page.context["form"].initial["capacity"] == 16
    assert (page.context["pending"]["changes"]["capacity"].old, 16) == (12, 16)
    # The session's page says so too.
    detail = alice_client.get(f"/espace-organisme/sessions/{session.pk}/")
    assert detail.context["pending"]["changes"]["capacity"].new == 16
    # Sent again as it is: nothing changes.
    response = alice_client.post(edit_url(session), data, follow=True)
    assert "Rien n'a changé" in _messages(response)


def test_capacity_below_the_seats_held_is_an_error_on_the_capacity(alice_client, provider):
    session = SessionFactory(provider=provider, capacity=4, min_participants=0)
    EnrolmentFactory.create_batch(3, session=session)
    data = _session_form_data(session, _existing_rows(session), capacity="2")

    response = alice_client.post(edit_url(session), data)

    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors
    assert not SessionChangeRequest.objects.exists()


def test_another_providers_session_answers_404(alice_client, other_session):
    assert alice_client.get(edit_url(other_session)).status_code == 404
    data = _session_form_data(other_session, _existing_rows(other_session), capacity="30")
    assert alice_client.post(edit_url(other_session), data).status_code == 404
    other_session.refresh_from_db()
    assert other_session.capacity != 30
    assert not SessionChangeRequest.objects.exists()


def test_another_providers_trainer_is_not_a_choice(alice_client, provider):
    stranger = TrainerFactory()
    data = _form_data(
        ModuleFactory(), _days_data([_usual(IN_TWO_MONTHS)]), trainers=[str(stranger.pk)]
    )

    response = alice_client.post(NEW_URL, data)

    assert "trainers" in response.context["form"].errors
    assert not Session.objects.exists()


def test_login_is_required(client, session):
    for url in (NEW_URL, edit_url(session)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/")


def test_an_account_of_no_provider_is_refused(client, charlie):
    client.force_login(charlie)

    assert client.get(NEW_URL).status_code == 403


def test_a_member_of_several_providers_chooses_the_provider(client, alice, other_provider):
    other_provider.members.add(alice)
    client.force_login(alice)

    response = client.get(NEW_URL)
    assert response.status_code == 200
    assert f"?organisme={other_provider.pk}" in response.content.decode()

    data = _form_data(
        ModuleFactory(), _days_data([_usual(IN_TWO_MONTHS)]), organisme=str(other_provider.pk)
    )
    client.post(NEW_URL, data)
    assert Session.objects.get().provider == other_provider
    # A provider the member is not one of is no choice.
    stranger = ProviderFactory()
    page = client.get(f"{NEW_URL}?organisme={stranger.pk}")
    assert page.templates[0].name == "providers/session_provider_choice.html"


def test_cancelled_session_is_not_edited(alice_client, provider):
    session = SessionFactory(provider=provider, status=Session.Status.CANCELLED)

    response = alice_client.get(edit_url(session))

    assert response.status_code == 302


def test_home_and_session_pages_link_to_the_form(alice_client, session):
    assert NEW_URL in alice_client.get("/espace-organisme/").content.decode()
    page = alice_client.get(f"/espace-organisme/sessions/{session.pk}/").content.decode()
    assert edit_url(session) in page


def test_form_page_queries_do_not_grow_with_days_and_trainers(alice_client, provider):
    def count(session):
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(edit_url(session)).status_code == 200
        return len(queries)

    small = SessionFactory(provider=provider)
    TrainerFactory(provider=provider)
    first = count(small)
    start = IN_TWO_MONTHS
    big = SessionFactory(
        provider=provider, days=[start + datetime.timedelta(days=n) for n in range(6)]
    )
    TrainerFactory.create_batch(5, provider=provider)
    big.trainers.set(provider.trainers.all())

    assert count(big) == first


def test_the_trainers_the_opco_added_stay_when_the_provider_saves(alice_client, provider):
    own = TrainerFactory(provider=provider, first_name="Chantal", last_name="Dupré")
    other = TrainerFactory(provider=provider)
    # Staff may add any provider's trainer in the admin.
    added_by_opco = TrainerFactory(first_name="Karim", last_name="Benali")
    session = SessionFactory(provider=provider, status=Session.Status.SUBMITTED)
    session.trainers.set([own, added_by_opco])

    page = alice_client.get(edit_url(session))
    assert page.context["form"].initial["trainers"] == sorted([own.pk, added_by_opco.pk])
    assert "ajouté par l'OPCO, qui reste sur la session" in page.content.decode()
    assert "Karim Benali" in page.content.decode()

    # The form sends back its own trainers only: the save keeps the OPCO's.
    data = _session_form_data(session, _existing_rows(session), trainers=[str(own.pk)])
    response = alice_client.post(edit_url(session), data)
    assert response.status_code == 302
    assert "Rien n'a changé" in _messages(alice_client.get(response["Location"]))
    assert set(session.trainers.all()) == {own, added_by_opco}

    data["trainers"] = [str(own.pk), str(other.pk)]
    alice_client.post(edit_url(session), data)
    assert set(session.trainers.all()) == {own, other, added_by_opco}


def test_a_session_whose_last_half_day_has_ended_is_not_edited(
    alice_client, provider, time_machine
):
    today = timezone.localdate()
    session = SessionFactory(
        provider=provider, days=[today], registration_deadline=today - datetime.timedelta(days=9)
    )
    at = timezone.make_aware(datetime.datetime.combine(today, datetime.time(16, 59)))
    time_machine.move_to(at)
    assert alice_client.get(edit_url(session)).status_code == 200

    time_machine.move_to(at + datetime.timedelta(minutes=1))  # 17 h, the end of the day
    response = alice_client.get(edit_url(session))
    assert response.status_code == 302
    assert "Une session annulée ou terminée ne peut plus être modifiée." in _messages(
        alice_client.get(response["Location"])
    )
    data = _session_form_data(session, _existing_rows(session), capacity="20")
    response = alice_client.post(edit_url(session), data)
    session.refresh_from_db()
    assert session.capacity != 20


def test_a_pending_change_shows_its_days_and_hours_as_the_fiche_writes_them(alice_client, provider):
    session = SessionFactory(provider=provider)
    first = session.sorted_days[0]
    rows = _existing_rows(session)
    rows[0] = (rows[0][0] + datetime.timedelta(days=7), "09:30", *rows[0][2:])
    alice_client.post(edit_url(session), _session_form_data(session, rows))

    page = alice_client.get(f"/espace-organisme/sessions/{session.pk}/")
    changes = page.context["pending"]["changes"]
    assert [change.name for change in changes] == ["days"]
    assert changes.needs_approval
    html = page.content.decode()
    old_day = (
        f"{short_date(first.date)} "
        "(de 9\u00a0h à 12\u00a0h\u00a030 et de 13\u00a0h\u00a030 à 17\u00a0h)"
    )
    new_day = (
        f"{short_date(first.date + datetime.timedelta(days=7))} "
        "(de 9\u00a0h\u00a030 à 12\u00a0h\u00a030"
    )
    assert old_day in html
    assert new_day in html
    assert "h\u00a000" not in html

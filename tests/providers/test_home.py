import datetime

import pytest
from django.utils import timezone

from catalogue.formats import short_date
from enrolment.models import Enrolment
from tests.catalogue_pages.html import structure
from tests.factories import EmployerFactory, EnrolmentFactory, SessionFactory, TraineeFactory

from .conftest import pending_enrolment

pytestmark = pytest.mark.django_db

HOME = "/espace-organisme/"


def test_account_of_no_provider_gets_a_403_page(client, charlie):
    client.force_login(charlie)

    response = client.get(HOME)

    assert response.status_code == 403
    assert "providers/not_member.html" in [t.name for t in response.templates]
    assert structure(response).headings["h1"] == ["Accès réservé aux organismes de formation"]


def test_member_sees_their_sessions_and_not_another_providers(alice_client, session, other_session):
    response = alice_client.get(HOME)

    assert response.status_code == 200
    assert response.context["sessions"].upcoming == [session]
    html = response.content.decode()
    assert f'href="/espace-organisme/sessions/{session.pk}/"' in html
    assert f'href="/espace-organisme/sessions/{other_session.pk}/"' not in html
    assert "Groupe 9" not in html


def test_member_sees_the_pending_enrolments_of_their_sessions_only(
    alice_client, session, other_session
):
    mine = pending_enrolment(
        session,
        trainee=TraineeFactory(first_name="Nadia", last_name="Benali", job="es"),
        employer=EmployerFactory(name="CCAS de Blois", city="Blois"),
        prerequisite_basis="module",
        prerequisite_practice="",
        prerequisite_module_when="Octobre 2025",
        prerequisite_module_provider="PRAXIS",
    )
    theirs = pending_enrolment(
        other_session, trainee=TraineeFactory(first_name="Hugo", last_name="Lemaire")
    )
    EnrolmentFactory(session=session, status=Enrolment.Status.CONFIRMED)

    response = alice_client.get(HOME)

    assert response.context["pending"] == [mine]
    html = response.content.decode()
    assert "Nadia Benali" in html
    assert "Éducateur(rice) spécialisé(e)" in html
    assert "Niveau 6 (bac + 3 ou 4, diplôme d&#x27;État de travail social)" in html
    assert "CCAS de Blois, Blois" in html
    assert "quand\u00a0: Octobre 2025" in html
    assert "auprès de\u00a0: PRAXIS" in html
    assert f'action="/espace-organisme/inscriptions/{mine.pk}/valider/"' in html
    assert f'href="/espace-organisme/inscriptions/{mine.pk}/refuser/?next=' in html
    assert str(theirs.trainee) not in html
    assert f"/inscriptions/{theirs.pk}/" not in html


def test_practice_declaration_and_disability_needs_are_shown_to_the_member(alice_client, session):
    pending_enrolment(
        session,
        prerequisite_practice="Permanences dans les quartiers prioritaires.",
        disability_needs="Salle accessible en fauteuil roulant.",
    )

    html = alice_client.get(HOME).content.decode()

    assert "Permanences dans les quartiers prioritaires." in html
    assert "Salle accessible en fauteuil roulant." in html


def test_sessions_show_dates_city_seats_and_counts_by_status(alice_client, provider):
    today = timezone.localdate()
    session = SessionFactory(
        provider=provider,
        capacity=10,
        city="Bourges",
        days=[today + datetime.timedelta(days=40), today + datetime.timedelta(days=41)],
        registration_deadline=today + datetime.timedelta(days=20),
    )
    for status, count in (
        ("confirmed", 3),
        ("pending", 2),
        ("waitlisted", 1),
        ("refused", 1),
        ("cancelled", 4),
    ):
        for _ in range(count):
            EnrolmentFactory(session=session, status=status)
    EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        offer_expires_at=timezone.now() + datetime.timedelta(hours=5),
    )

    response = alice_client.get(HOME)

    [shown] = response.context["sessions"].upcoming
    counts = (
        shown.confirmed_count,
        shown.pending_count,
        shown.waitlisted_count,
        shown.refused_count,
        shown.cancelled_count,
        shown.seats_held_count,
    )
    # Held: confirmed, pending and the outstanding offer.
    assert counts == (3, 2, 2, 1, 4, 6)
    html = response.content.decode()
    assert "6 / 10" in html
    assert "Bourges" in html
    dates = ", ".join(short_date(day.date) for day in session.sorted_days)
    assert f"<td>{dates}</td>" in html


def test_upcoming_and_recent_sessions_are_apart_and_old_ones_are_left_out(
    alice_client, provider, time_machine
):
    today = timezone.localdate()
    # In the morning: today's session has not ended.
    time_machine.move_to(timezone.make_aware(datetime.datetime.combine(today, datetime.time(10))))

    def session_on(offset, label):
        day = today + datetime.timedelta(days=offset)
        return SessionFactory(
            provider=provider,
            label=label,
            days=[day],
            registration_deadline=day - datetime.timedelta(days=10),
        )

    later = session_on(60, "Plus tard")
    soon = session_on(10, "Bientôt")
    ongoing = session_on(0, "Aujourd'hui")
    recent = session_on(-20, "Récente")
    older_recent = session_on(-80, "Moins récente")
    session_on(-200, "Ancienne")
    undated = SessionFactory(
        provider=provider, label="Sans dates", days=[], registration_deadline=None
    )

    sessions = alice_client.get(HOME).context["sessions"]

    assert sessions.upcoming == [ongoing, soon, later, undated]
    assert sessions.recent == [recent, older_recent]

    # Over once its last half-day has ended (enrolment.selectors.session_has_ended).
    time_machine.move_to(timezone.make_aware(datetime.datetime.combine(today, datetime.time(17))))
    sessions = alice_client.get(HOME).context["sessions"]
    assert sessions.upcoming == [soon, later, undated]
    assert sessions.recent == [ongoing, recent, older_recent]


def test_member_of_several_providers_sees_all_of_theirs(
    alice_client, alice, session, other_session, other_provider
):
    other_provider.members.add(alice)
    theirs = pending_enrolment(other_session)

    response = alice_client.get(HOME)

    assert set(response.context["sessions"].upcoming) == {session, other_session}
    assert response.context["pending"] == [theirs]
    html = response.content.decode()
    assert "Croix-Rouge française, PRAXIS" in html


def test_home_has_one_h1_and_labelled_controls(alice_client, session):
    pending_enrolment(session)

    page = structure(alice_client.get(HOME))

    assert page.headings["h1"] == ["Espace organisme"]
    assert page.unlabelled_controls() == []
    assert page.find_all("meta", name="robots", content="noindex")


def test_space_pages_are_not_cached_by_the_browser(alice_client, session):
    response = alice_client.get(HOME)

    assert "no-store" in response["Cache-Control"]

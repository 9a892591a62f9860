import datetime
import re

import pytest
from django.utils import timezone

from enrolment.models import Enrolment
from tests.catalogue_pages.html import structure
from tests.factories import EnrolmentFactory, SessionFactory, TraineeFactory

from .conftest import pending_enrolment

pytestmark = pytest.mark.django_db


def without_csrf(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def url(session):
    return f"/espace-organisme/sessions/{session.pk}/"


def waitlisted(session, minutes_ago, **fields):
    return EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        **fields,
    )


def test_enrolments_are_grouped_by_status_with_waitlist_positions(alice_client, session):
    confirmed = EnrolmentFactory(session=session, status=Enrolment.Status.CONFIRMED)
    pending = pending_enrolment(session)
    second = waitlisted(session, 10)
    first = waitlisted(session, 30)
    third = EnrolmentFactory(session=session, status=Enrolment.Status.WAITLISTED)
    refused = EnrolmentFactory(
        session=session, status=Enrolment.Status.REFUSED, refusal_reason="Prérequis non acquis."
    )
    cancelled = EnrolmentFactory(session=session, status=Enrolment.Status.CANCELLED)

    response = alice_client.get(url(session))

    assert response.status_code == 200
    groups = response.context["enrolments"]
    assert groups.confirmed == [confirmed]
    assert groups.pending == [pending]
    assert groups.waitlisted == [first, second, third]
    assert [e.waitlist_position for e in groups.waitlisted] == [1, 2, 3]
    assert groups.refused == [refused]
    assert groups.cancelled == [cancelled]
    html = response.content.decode()
    assert "Prérequis non acquis." in html
    assert f'action="/espace-organisme/inscriptions/{pending.pk}/valider/"' in html


def test_contact_details_and_disability_needs_are_shown_to_the_member(alice_client, session):
    enrolment = EnrolmentFactory(
        session=session,
        trainee=TraineeFactory(email="lea.martin@ccas.example.org", phone="02 38 42 28 31"),
        disability_needs="Documents en gros caractères.",
    )

    html = alice_client.get(url(session)).content.decode()

    assert str(enrolment.trainee) in html
    assert 'href="mailto:lea.martin@ccas.example.org"' in html
    assert 'href="tel:+33238422831"' in html
    assert "Documents en gros caractères." in html


def test_an_outstanding_offer_is_shown_on_the_waiting_list(alice_client, session):
    waitlisted(session, 5, offer_expires_at=timezone.now() + datetime.timedelta(hours=24))

    response = alice_client.get(url(session))

    assert "place proposée jusqu'au" in response.content.decode()
    assert response.context["enrolments"].seats_held == 1


def test_another_providers_session_is_a_404(alice_client, other_session):
    EnrolmentFactory(session=other_session, disability_needs="Interprète LSF.")

    response = alice_client.get(url(other_session))

    assert response.status_code == 404
    assert "Interprète LSF." not in response.content.decode()


def test_a_missing_session_is_the_same_404(alice_client, other_session):
    missing = alice_client.get("/espace-organisme/sessions/999999/")
    hidden = alice_client.get(url(other_session))

    assert missing.status_code == hidden.status_code == 404
    # The same page but for the CSRF token of the footer's logout form, masked anew each time.
    assert without_csrf(missing) == without_csrf(hidden)


def test_account_of_no_provider_gets_a_404_for_a_session(client, charlie, session):
    client.force_login(charlie)

    assert client.get(url(session)).status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(client, session):
    response = client.get(url(session))

    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=")


def test_draft_sessions_of_the_provider_are_in_the_space(alice_client, provider):
    draft = SessionFactory(provider=provider, status="draft")

    response = alice_client.get(url(draft))

    assert response.status_code == 200
    assert "Brouillon" in response.content.decode()


def test_session_page_has_one_h1_and_labelled_controls(alice_client, session):
    pending_enrolment(session)
    EnrolmentFactory(session=session)

    page = structure(alice_client.get(url(session)))

    assert page.headings["h1"] == [f"Module {session.module.number} – Groupe 1, Orléans"]
    assert page.unlabelled_controls() == []

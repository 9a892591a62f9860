"""The Session admin keeps the seat, waiting-list and cancellation rules: the status changes
only through the actions, a new capacity goes through session_capacity_change, and a day
cannot fall before the registration deadline, whichever form edits it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

import backoffice.admin.sessions as session_admin
from catalogue.models import Session, SessionDay
from enrolment.mails import MailKind
from enrolment.models import Enrolment
from outbox.models import OutboxMail
from tests.admin.formdata import admin_form_data
from tests.factories import EnrolmentFactory, SessionFactory

CHANGELIST = reverse("admin:catalogue_session_changelist")
DAY_ADD = reverse("admin:catalogue_sessionday_add")
DAY_ERROR = escape("Une journée doit suivre la date limite d'inscription.")


def change_url(session):
    return reverse("admin:catalogue_session_change", args=[session.pk])


def button_url(session, action):
    return reverse(f"admin:catalogue_session_{action}", args=[session.pk])


@pytest.fixture
def published(db):
    return SessionFactory(status=Session.Status.PUBLISHED, published_at=timezone.now())


@pytest.fixture
def cancelled(db):
    return SessionFactory(status=Session.Status.CANCELLED, published_at=timezone.now())


# Status


def test_change_page_shows_the_status_without_a_field_to_change_it(staff_client, published):
    response = staff_client.get(change_url(published))

    assert "status" not in response.context["adminform"].form.fields
    assert 'name="status"' not in response.content.decode()
    assert "Publiée" in response.content.decode()


def test_add_page_shows_a_new_session_as_a_draft(staff_client):
    response = staff_client.get(reverse("admin:catalogue_session_add"))

    assert "status" not in response.context["adminform"].form.fields
    assert "Brouillon" in response.content.decode()


def test_status_cannot_be_changed_by_posting_the_change_form(staff_client, published):
    enrolment = EnrolmentFactory(session=published, status=Enrolment.Status.CONFIRMED)
    data = admin_form_data(staff_client.get(change_url(published)))
    data["status"] = Session.Status.CANCELLED
    data["label"] = "Groupe 9"

    response = staff_client.post(change_url(published), data)

    assert response.status_code == 302
    published.refresh_from_db()
    enrolment.refresh_from_db()
    assert (published.label, published.status) == ("Groupe 9", Session.Status.PUBLISHED)
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert not OutboxMail.objects.exists()


def test_cancelled_session_cannot_be_republished_from_the_form(staff_client, cancelled):
    data = admin_form_data(staff_client.get(change_url(cancelled)))
    data["status"] = Session.Status.PUBLISHED

    staff_client.post(change_url(cancelled), data)

    cancelled.refresh_from_db()
    assert cancelled.status == Session.Status.CANCELLED


def test_cancelled_session_cannot_be_republished_by_the_action(staff_client, cancelled):
    response = staff_client.post(
        CHANGELIST,
        {"action": "publish_sessions", "_selected_action": [cancelled.pk]},
        follow=True,
    )

    cancelled.refresh_from_db()
    assert cancelled.status == Session.Status.CANCELLED
    assert escape("Une session annulée ne peut pas être publiée.") in response.content.decode()


def test_cancelled_session_has_no_publish_button_and_its_url_refuses(staff_client, cancelled):
    page = staff_client.get(change_url(cancelled)).content.decode()
    response = staff_client.post(button_url(cancelled, "publish_sessions"), follow=True)

    assert button_url(cancelled, "publish_sessions") not in page
    cancelled.refresh_from_db()
    assert cancelled.status == Session.Status.CANCELLED
    assert escape("Une session annulée ne peut pas être publiée.") in response.content.decode()


def test_publish_button_publishes_a_draft_once_confirmed(staff_client):
    draft = SessionFactory(status=Session.Status.DRAFT, trainers=True)
    assert (
        button_url(draft, "publish_sessions")
        in staff_client.get(change_url(draft)).content.decode()
    )

    # First the confirmation page (backoffice/admin/publication.py), then the publication.
    assert staff_client.post(button_url(draft, "publish_sessions")).status_code == 200
    response = staff_client.post(
        button_url(draft, "publish_sessions"),
        {"action": "publish_sessions", "_selected_action": [draft.pk], "confirm": "yes"},
    )

    assert response.status_code == 302
    assert response.url == change_url(draft)
    draft.refresh_from_db()
    assert draft.status == Session.Status.PUBLISHED and draft.published_at is not None


def test_cancel_button_asks_for_confirmation_then_cancels_and_tells_the_trainees(
    staff_client, published
):
    enrolment = EnrolmentFactory(session=published, status=Enrolment.Status.CONFIRMED)
    url = button_url(published, "cancel_sessions")

    confirmation = staff_client.post(url)
    published.refresh_from_db()
    assert published.status == Session.Status.PUBLISHED
    assert "Oui, annuler cette session et prévenir ses stagiaires" in confirmation.content.decode()

    response = staff_client.post(
        url,
        {
            "action": "cancel_sessions",
            "_selected_action": [published.pk],
            "confirm": "yes",
            "reason": "Salle indisponible",
        },
    )

    assert response.status_code == 302
    published.refresh_from_db()
    enrolment.refresh_from_db()
    assert published.status == Session.Status.CANCELLED
    assert enrolment.status == Enrolment.Status.CANCELLED
    assert OutboxMail.objects.filter(enrolment=enrolment).exists()


def test_buttons_need_a_post(staff_client, published):
    assert staff_client.get(button_url(published, "cancel_sessions")).status_code == 405


# Capacity


@pytest.fixture
def full_session(db):
    """Two seats, both confirmed, and one person on the waiting list."""
    session = SessionFactory(capacity=2, min_participants=1)
    EnrolmentFactory.create_batch(2, session=session, status=Enrolment.Status.CONFIRMED)
    waiting = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    return session, waiting


def test_raising_capacity_offers_the_seat_to_the_waiting_list(staff_client, full_session):
    session, waiting = full_session
    data = admin_form_data(staff_client.get(change_url(session)))
    data["capacity"] = 3

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    waiting.refresh_from_db()
    assert session.capacity == 3
    assert waiting.has_outstanding_offer
    offer = OutboxMail.objects.get(kind=MailKind.OFFER)
    assert (offer.about, offer.recipient) == (waiting, waiting.trainee.email)


def test_lowering_capacity_below_the_seats_held_is_refused_on_the_form(staff_client, full_session):
    session, _ = full_session
    label = session.label
    data = admin_form_data(staff_client.get(change_url(session)))
    data["capacity"] = 1
    data["label"] = "Groupe 9"

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["capacity"] == [
        "Impossible de descendre à 1 places\u00a0: 2 places sont déjà occupées ou proposées."
    ]
    session.refresh_from_db()
    assert (session.capacity, session.label) == (2, label)
    assert not OutboxMail.objects.exists()


def test_outstanding_offer_counts_as_a_held_seat(staff_client, full_session):
    session, waiting = full_session
    waiting.offered_at = timezone.now()
    waiting.offer_expires_at = timezone.now() + datetime.timedelta(hours=24)
    waiting.save()
    Session.objects.filter(pk=session.pk).update(capacity=3)
    data = admin_form_data(staff_client.get(change_url(session)))
    data["capacity"] = 2

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 200
    assert "capacity" in response.context["adminform"].form.errors
    session.refresh_from_db()
    assert session.capacity == 3


def test_capacity_lowered_to_the_seats_held_is_saved(staff_client, full_session):
    session, _ = full_session
    Session.objects.filter(pk=session.pk).update(capacity=5)
    data = admin_form_data(staff_client.get(change_url(session)))
    data["capacity"] = 2

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.capacity == 2
    assert not OutboxMail.objects.exists()


def test_capacity_and_minimum_raised_together_are_saved(staff_client, full_session):
    session, waiting = full_session
    data = admin_form_data(staff_client.get(change_url(session)))
    # The new minimum is above the saved capacity: both must land in one save.
    data["capacity"] = 10
    data["min_participants"] = 8

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    waiting.refresh_from_db()
    assert (session.capacity, session.min_participants) == (10, 8)
    assert waiting.has_outstanding_offer


def test_seat_taken_after_the_form_check_undoes_the_whole_save(
    staff_client, full_session, monkeypatch
):
    session, _ = full_session
    Session.objects.filter(pk=session.pk).update(capacity=3)
    label = session.label
    data = admin_form_data(staff_client.get(change_url(session)))
    data["capacity"] = 2
    data["label"] = "Groupe 9"
    service = session_admin.session_change

    def enrolment_arrives_first(**kwargs):
        # Someone takes the third seat between the form's check and the service's lock.
        EnrolmentFactory(session=session, status=Enrolment.Status.CONFIRMED)
        return service(**kwargs)

    monkeypatch.setattr(session_admin, "session_change", enrolment_arrives_first)

    response = staff_client.post(change_url(session), data, follow=True)

    assert response.redirect_chain == [(change_url(session), 302)]
    assert (
        escape(
            "Impossible de descendre à 2 places\u00a0: 3 places sont déjà occupées ou proposées."
        )
        in response.content.decode()
    )
    session.refresh_from_db()
    assert (session.capacity, session.label) == (3, label)
    assert Enrolment.objects.filter(session=session).count() == 3


# Days against the deadline


def test_day_admin_refuses_a_day_before_the_deadline(staff_client, published):
    deadline = published.registration_deadline
    data = {
        "session": published.pk,
        "date": deadline - datetime.timedelta(days=1),
        "morning_start": "09:00",
        "morning_end": "12:30",
    }

    response = staff_client.post(DAY_ADD, data)

    assert response.status_code == 200
    assert "date" in response.context["adminform"].form.errors
    assert DAY_ERROR in response.content.decode()
    assert published.days.count() == 2


def test_day_admin_refuses_a_day_moved_onto_the_deadline(staff_client, published):
    day = published.sorted_days[0]
    url = reverse("admin:catalogue_sessionday_change", args=[day.pk])
    data = admin_form_data(staff_client.get(url))
    data["date"] = published.registration_deadline

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert DAY_ERROR in response.content.decode()
    day.refresh_from_db()
    assert day.date > published.registration_deadline


def test_day_admin_accepts_a_day_after_the_deadline(staff_client, published):
    date = published.last_day + datetime.timedelta(days=1)
    data = {
        "session": published.pk,
        "date": date,
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
    }

    response = staff_client.post(DAY_ADD, data)

    assert response.status_code == 302
    assert SessionDay.objects.filter(session=published, date=date).exists()


def test_session_form_checks_its_days_against_the_deadline_being_submitted(staff_client, published):
    """The inline's days are checked against the deadline of the form, not the saved one."""
    data = admin_form_data(staff_client.get(change_url(published)))
    data["registration_deadline"] = published.last_day

    response = staff_client.post(change_url(published), data)

    assert response.status_code == 200
    days_formset = response.context["inline_admin_formsets"][0].formset
    assert [form.errors.get("date") for form in days_formset.forms] == [
        ["Une journée doit suivre la date limite d'inscription."]
    ] * 2

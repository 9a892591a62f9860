"""OPCO staff change enrolments in the admin only through the enrolment services: validation,
refusal with a reason, cancellation and the personal link, never by editing the status."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrolment.mails import MailKind
from enrolment.models import Enrolment
from outbox.models import OutboxMail
from tests.admin.formdata import admin_form_data
from tests.catalogue_pages.html import structure
from tests.factories import EnrolmentFactory, SessionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:enrolment_enrolment_changelist")


def change_url(enrolment):
    return reverse("admin:enrolment_enrolment_change", args=[enrolment.pk])


def run_action(client, action, *enrolments, **extra):
    """Choose `action` in the changelist for `enrolments`, as the "Envoyer" button does."""
    data = {"action": action, "index": "0", "_selected_action": [e.pk for e in enrolments]}
    return client.post(CHANGELIST, {**data, **extra}, follow=True)


def confirm_refusal(client, reason, *enrolments, url=CHANGELIST):
    """Submit the refusal page as rendered: the hidden action inputs and the reason."""
    data = {
        "action": "refuse_enrolments",
        "post": "yes",
        "_selected_action": [e.pk for e in enrolments],
        "reason": reason,
    }
    return client.post(url, data, follow=True)


def messages_of(response):
    return [(m.level_tag, m.message) for m in response.context["messages"]]


def kinds(enrolment):
    return list(enrolment.mails.order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def full_session():
    """One seat, taken by a pending enrolment (its prerequisite is to be checked), and two
    people on the waiting list."""
    session = SessionFactory(capacity=1, min_participants=1)
    now = timezone.now()
    pending = EnrolmentFactory(session=session, status=Enrolment.Status.PENDING)
    first = EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=now - datetime.timedelta(hours=2),
    )
    second = EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=now - datetime.timedelta(hours=1),
    )
    return pending, first, second


def assert_seat_offered_to(first, second):
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Enrolment.Status.WAITLISTED
    assert first.offered_at is not None
    assert first.offer_expires_at > timezone.now()
    assert kinds(first) == [MailKind.OFFER]
    assert second.offer_expires_at is None
    assert kinds(second) == []


def test_validating_a_pending_enrolment_confirms_it_and_mails_the_trainee(
    staff_client, staff_user, django_capture_on_commit_callbacks
):
    enrolment = EnrolmentFactory(status=Enrolment.Status.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff_client, "validate_enrolments", enrolment)

    assert response.status_code == 200
    assert messages_of(response) == [("success", "1 inscription validée.")]
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.decided_by == staff_user
    validated = OutboxMail.objects.get(enrolment=enrolment)
    assert validated.kind == MailKind.VALIDATED
    assert validated.status == OutboxMail.Status.SENT
    assert [m.to for m in mail.outbox] == [[enrolment.trainee.email]]
    assert mail.outbox[0].subject.startswith("Inscription validée")


def test_refusal_asks_for_a_reason_before_changing_anything(staff_client, full_session):
    pending, first, second = full_session

    response = run_action(staff_client, "refuse_enrolments", pending)

    assert response.status_code == 200
    assert "admin/enrolment/refuse_confirmation.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert str(pending.trainee) in html
    assert '<label for="id_reason"' in html
    assert structure(response).unlabelled_controls() == []
    assert '<textarea name="reason"' in html
    assert f'<input type="hidden" name="_selected_action" value="{pending.pk}">' in html
    assert '<input type="hidden" name="action" value="refuse_enrolments">' in html
    pending.refresh_from_db()
    assert pending.status == Enrolment.Status.PENDING
    assert not OutboxMail.objects.exists()


def test_refusal_without_a_reason_is_asked_again(staff_client, full_session):
    pending, first, second = full_session

    response = confirm_refusal(staff_client, "  ", pending)

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Ce champ est obligatoire."]}
    pending.refresh_from_db()
    assert pending.status == Enrolment.Status.PENDING
    assert not OutboxMail.objects.exists()


def test_refusing_with_a_reason_offers_the_freed_seat_to_the_first_waitlisted(
    staff_client, staff_user, full_session, django_capture_on_commit_callbacks
):
    pending, first, second = full_session

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_refusal(staff_client, "Module 1 non suivi.", pending)

    assert messages_of(response) == [("success", "1 inscription refusée.")]
    pending.refresh_from_db()
    assert pending.status == Enrolment.Status.REFUSED
    assert pending.refusal_reason == "Module 1 non suivi."
    assert pending.decided_by == staff_user
    assert kinds(pending) == [MailKind.REFUSED]
    assert_seat_offered_to(first, second)
    assert {m.to[0]: m.subject.split(" – ")[0] for m in mail.outbox} == {
        pending.trainee.email: "Inscription non retenue",
        first.trainee.email: "Une place s'est libérée",
    }
    assert "Module 1 non suivi." in next(
        m.body for m in mail.outbox if m.to == [pending.trainee.email]
    )


def test_cancelling_offers_the_freed_seat_to_the_first_waitlisted(
    staff_client, full_session, django_capture_on_commit_callbacks
):
    pending, first, second = full_session

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff_client, "cancel_enrolments", pending)

    assert messages_of(response) == [("success", "1 inscription annulée.")]
    pending.refresh_from_db()
    assert pending.status == Enrolment.Status.CANCELLED
    assert pending.cancelled_at is not None
    assert kinds(pending) == [MailKind.CANCELLED]
    assert_seat_offered_to(first, second)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [pending.trainee.email, first.trainee.email]
    )


def test_staff_can_cancel_after_the_session_has_started(staff_client):
    today = timezone.localdate()
    session = SessionFactory(
        registration_deadline=today - datetime.timedelta(days=3),
        days=[today - datetime.timedelta(days=1), today],
    )
    enrolment = EnrolmentFactory(session=session)

    run_action(staff_client, "cancel_enrolments", enrolment)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED


@pytest.mark.parametrize(
    ("action", "status", "error"),
    [
        (
            "validate_enrolments",
            Enrolment.Status.CONFIRMED,
            "Seule une inscription à valider peut être validée.",
        ),
        ("cancel_enrolments", Enrolment.Status.REFUSED, "Cette inscription est déjà close."),
        (
            "resend_links",
            Enrolment.Status.CANCELLED,
            "Cette inscription est close\u00a0: son lien n'est pas renvoyé.",
        ),
    ],
)
def test_action_in_the_wrong_state_shows_an_error_and_changes_nothing(
    staff_client, action, status, error
):
    enrolment = EnrolmentFactory(status=status)

    response = run_action(staff_client, action, enrolment)

    assert messages_of(response) == [("error", f"{enrolment} : {error}")]
    enrolment.refresh_from_db()
    assert enrolment.status == status
    assert enrolment.status_changed_at is None
    assert not OutboxMail.objects.exists()


def test_refusing_a_confirmed_enrolment_shows_an_error_and_changes_nothing(staff_client):
    enrolment = EnrolmentFactory(status=Enrolment.Status.CONFIRMED)

    response = confirm_refusal(staff_client, "Hors public visé.", enrolment)

    assert messages_of(response) == [
        (
            "error",
            f"{enrolment} : Seule une inscription à valider ou en liste d'attente peut être "
            "refusée.",
        )
    ]
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.refusal_reason) == (Enrolment.Status.CONFIRMED, "")
    assert not OutboxMail.objects.exists()


def test_mixed_selection_reports_each_error_and_the_count_of_successes(staff_client):
    session = SessionFactory()
    pending = EnrolmentFactory.create_batch(2, session=session, status=Enrolment.Status.PENDING)
    confirmed = EnrolmentFactory(session=session)

    response = run_action(staff_client, "validate_enrolments", *pending, confirmed)

    assert messages_of(response) == [
        ("error", f"{confirmed} : Seule une inscription à valider peut être validée."),
        ("success", "2 inscriptions validées."),
    ]
    statuses = set(Enrolment.objects.filter(session=session).values_list("status", flat=True))
    assert statuses == {Enrolment.Status.CONFIRMED}
    assert OutboxMail.objects.filter(kind=MailKind.VALIDATED).count() == 2


def test_resending_the_personal_link_queues_a_link_mail(
    staff_client, django_capture_on_commit_callbacks
):
    enrolment = EnrolmentFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff_client, "resend_links", enrolment)

    assert messages_of(response) == [("success", "1 lien renvoyé.")]
    assert kinds(enrolment) == [MailKind.LINK]
    assert [m.to for m in mail.outbox] == [[enrolment.trainee.email]]


def test_status_cannot_be_changed_by_posting_the_change_form(staff_client):
    enrolment = EnrolmentFactory(status=Enrolment.Status.PENDING)
    page = staff_client.get(change_url(enrolment))
    form_fields = page.context["adminform"].form.fields
    for field in ("status", "session", "trainee", "refusal_reason", "offer_expires_at"):
        assert field not in form_fields
    data = admin_form_data(page)
    data.update(
        status=Enrolment.Status.CONFIRMED,
        offer_expires_at="2031-01-01 12:00:00",
        employer_contact_name="Claire Petit",
    )

    response = staff_client.post(change_url(enrolment), data)

    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.employer_contact_name == "Claire Petit"
    assert enrolment.status == Enrolment.Status.PENDING
    assert enrolment.offer_expires_at is None
    assert not OutboxMail.objects.exists()


def test_staff_cannot_add_an_enrolment_in_the_admin(staff_client):
    add = reverse("admin:enrolment_enrolment_add")

    assert staff_client.get(add).status_code == 403
    assert staff_client.post(add, {"status": "confirmed"}).status_code == 403
    assert not Enrolment.objects.exists()


def test_an_active_enrolment_cannot_be_deleted_until_cancelled(staff_client):
    enrolment = EnrolmentFactory()
    delete = reverse("admin:enrolment_enrolment_delete", args=[enrolment.pk])

    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert run_action(staff_client, "delete_selected", enrolment, post="yes").status_code == 403
    trainee_delete = reverse("admin:enrolment_trainee_delete", args=[enrolment.trainee_id])
    assert staff_client.post(trainee_delete, {"post": "yes"}).status_code == 403
    assert Enrolment.objects.filter(pk=enrolment.pk).exists()

    run_action(staff_client, "cancel_enrolments", enrolment)
    response = staff_client.post(delete, {"post": "yes"})

    assert response.status_code == 302
    assert not Enrolment.objects.filter(pk=enrolment.pk).exists()


def test_change_page_buttons_validate_then_come_back(staff_client):
    enrolment = EnrolmentFactory(status=Enrolment.Status.PENDING)
    validate = reverse("admin:enrolment_enrolment_validate_enrolments", args=[enrolment.pk])
    assert validate in staff_client.get(change_url(enrolment)).content.decode()

    assert staff_client.get(validate).status_code == 405
    response = staff_client.post(validate)

    assert response.status_code == 302
    assert response.url == change_url(enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    page = staff_client.get(change_url(enrolment)).content.decode()
    assert validate not in page


def test_change_page_refusal_asks_for_the_reason_then_comes_back(staff_client, full_session):
    pending, first, second = full_session
    refuse = reverse("admin:enrolment_enrolment_refuse_enrolments", args=[pending.pk])

    page = staff_client.post(refuse)
    assert page.status_code == 200
    assert page.context["form"].is_bound is False
    response = staff_client.post(
        refuse,
        {
            "action": "refuse_enrolments",
            "post": "yes",
            "_selected_action": [pending.pk],
            "reason": "Hors public visé.",
        },
    )

    assert response.status_code == 302
    assert response.url == change_url(pending)
    pending.refresh_from_db()
    assert (pending.status, pending.refusal_reason) == ("refused", "Hors public visé.")
    assert_seat_offered_to(first, second)


def test_list_shows_waiting_list_position_and_offer_expiry(staff_client, full_session):
    pending, first, second = full_session
    first.offered_at = timezone.now()
    first.offer_expires_at = timezone.make_aware(datetime.datetime(2031, 3, 4, 18, 30))
    first.save()
    undated = EnrolmentFactory(session=pending.session, status=Enrolment.Status.WAITLISTED)

    response = staff_client.get(CHANGELIST)

    rows = {row.pk: row for row in response.context["cl"].result_list}
    assert [rows[e.pk].waitlist_position for e in (pending, first, second, undated)] == [
        None,
        1,
        2,
        3,
    ]
    html = response.content.decode()
    assert "place proposée jusqu&#x27;au 04/03/2031 18:30" in html
    assert "position 2" in html
    assert "position 3" in html


def test_list_query_count_does_not_grow_with_enrolments(staff_client, full_session):
    def changelist_queries():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(CHANGELIST).status_code == 200
        return len(queries)

    changelist_queries()  # warm the caches (content types, permissions) once
    with_three = changelist_queries()
    for _ in range(5):
        session = SessionFactory(capacity=1, min_participants=1)
        EnrolmentFactory(session=session)
        EnrolmentFactory.create_batch(2, session=session, status=Enrolment.Status.WAITLISTED)

    assert changelist_queries() == with_three

"""Every status change is logged by the service that makes it, in its transaction: from what to
what, who made it (staff, a provider member, the trainee's personal link) and why."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Session
from enrolment import services, session_services
from enrolment.links import confirmation_token, enrolment_token
from enrolment.models import Enrolment, Transition
from enrolment.services import EnrolmentError
from enrolment.transitions import Actor
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    OpcoContactFactory,
    PrerequisiteModuleFactory,
    ProviderFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
)

from .helpers import enrol, form_data, practice_declaration

pytestmark = pytest.mark.django_db

TRAINEE = Actor.trainee()


def logged(enrolment):
    """The enrolment's log, oldest first: (from, to, actor kind, account, reason)."""
    return list(
        Transition.objects.filter(enrolment=enrolment)
        .order_by("at", "pk")
        .values_list("from_status", "to_status", "actor_kind", "actor", "reason")
    )


def session_logged(session):
    """The session's own log (its enrolments' rows left out)."""
    return list(
        Transition.objects.filter(session=session, enrolment=None)
        .order_by("at", "pk")
        .values_list("from_status", "to_status", "actor_kind", "actor", "reason")
    )


def link(name, enrolment):
    return reverse(f"enrolment:{name}", args=[enrolment_token(enrolment)])


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def member_client(client):
    """A provider member, logged in, and a session of their provider whose module has a
    prerequisite."""
    provider = ProviderFactory()
    member = UserFactory(email="ines@organisme.example.org")
    provider.members.add(member)
    client.force_login(member)
    client.member = member
    client.session_ = SessionFactory(provider=provider, module=PrerequisiteModuleFactory())
    return client


def test_enrolling_through_the_public_form_logs_a_creation_by_the_trainee(client):
    session = SessionFactory()

    response = client.post(reverse("enrolment:enrol", args=[session.pk]), form_data())

    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    assert logged(enrolment) == [("", "unconfirmed", "trainee", None, "")]
    assert Transition.objects.get().session == session


def test_confirming_the_address_from_the_mailed_link_is_logged_as_the_trainee(client):
    session = SessionFactory()
    client.post(reverse("enrolment:enrol", args=[session.pk]), form_data())
    enrolment = Enrolment.objects.get()

    response = client.post(reverse("enrolment:confirm", args=[confirmation_token(enrolment)]))

    assert response.status_code == 302
    assert logged(enrolment) == [
        ("", "unconfirmed", "trainee", None, ""),
        ("unconfirmed", "confirmed", "trainee", None, ""),
    ]


def test_creation_logs_the_status_it_starts_with():
    session = SessionFactory(module=PrerequisiteModuleFactory(), capacity=1, min_participants=1)

    pending = enrol(session, declaration=practice_declaration()).enrolment
    waitlisted = enrol(session, declaration=practice_declaration()).enrolment

    assert logged(pending) == [
        ("", "unconfirmed", "trainee", None, ""),
        ("unconfirmed", "pending", "trainee", None, ""),
    ]
    assert logged(waitlisted) == [
        ("", "unconfirmed", "trainee", None, ""),
        ("unconfirmed", "waitlisted", "trainee", None, ""),
    ]


def test_an_address_already_enrolled_logs_nothing_more():
    session = SessionFactory()
    first = enrol(session, email="lea@ccas.example.org").enrolment

    again = enrol(session, email="lea@ccas.example.org")

    assert again.created is False
    assert Transition.objects.count() == 2
    assert logged(first) == [
        ("", "unconfirmed", "trainee", None, ""),
        ("unconfirmed", "confirmed", "trainee", None, ""),
    ]


def test_staff_validation_is_logged_with_the_staff_member(staff):
    enrolment = EnrolmentFactory(status=Enrolment.Status.PENDING)

    services.enrolment_validate(enrolment_id=enrolment.pk, by=Actor.staff(staff))

    assert logged(enrolment) == [("pending", "confirmed", "staff", staff.pk, "")]


def test_provider_member_validation_from_their_space_is_logged_with_them(member_client):
    enrolment = EnrolmentFactory(session=member_client.session_, status=Enrolment.Status.PENDING)

    response = member_client.post(f"/espace-organisme/inscriptions/{enrolment.pk}/valider/")

    assert response.status_code == 302
    assert logged(enrolment) == [("pending", "confirmed", "provider", member_client.member.pk, "")]


def test_provider_member_refusal_is_logged_with_its_reason(member_client):
    enrolment = EnrolmentFactory(session=member_client.session_, status=Enrolment.Status.PENDING)

    member_client.post(
        f"/espace-organisme/inscriptions/{enrolment.pk}/refuser/",
        {"reason": "  Le module 1 n'a pas été suivi.  "},
    )

    assert logged(enrolment) == [
        (
            "pending",
            "refused",
            "provider",
            member_client.member.pk,
            "Le module 1 n'a pas été suivi.",
        )
    ]


def test_staff_refusal_of_a_waitlisted_enrolment_is_logged_with_its_reason(staff):
    enrolment = EnrolmentFactory(status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now())

    services.enrolment_refuse(
        enrolment_id=enrolment.pk, by=Actor.staff(staff), reason="Hors du public visé."
    )

    assert logged(enrolment) == [
        ("waitlisted", "refused", "staff", staff.pk, "Hors du public visé.")
    ]


def test_cancellation_from_the_personal_link_is_logged_as_the_trainee(client):
    enrolment = EnrolmentFactory()

    response = client.post(link("cancel", enrolment))

    assert response.status_code == 302
    assert logged(enrolment) == [("confirmed", "cancelled", "trainee", None, "")]


def test_accepting_an_offer_from_the_personal_link_is_logged_as_the_trainee(client):
    session = SessionFactory(capacity=1, min_participants=0)
    holder = EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    services.enrolment_cancel(enrolment_id=holder.pk, by=TRAINEE)
    waiting.refresh_from_db()
    assert waiting.has_outstanding_offer
    # Not a status change, but a move on the waiting list, made by its rule.
    offered = ("waitlisted", "waitlisted", "job", None, str(services.OFFERED))
    assert logged(waiting) == [offered]

    response = client.post(link("accept_offer", waiting))

    assert response.status_code == 302
    assert logged(waiting) == [offered, ("waitlisted", "confirmed", "trainee", None, "")]


def test_an_offer_that_lapses_is_logged_by_the_waiting_list_rule():
    session = SessionFactory(capacity=1, min_participants=0)
    holder = EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    services.enrolment_cancel(enrolment_id=holder.pk, by=TRAINEE)
    Enrolment.objects.filter(pk=waiting.pk).update(offer_expires_at=timezone.now())

    assert services.offers_expire() == 1

    # Offered, lapsed, and offered again: no one else waits for the seat.
    assert list(
        Transition.objects.filter(enrolment=waiting)
        .order_by("pk")
        .values_list("actor_kind", "actor_label", "reason")
    ) == [
        ("job", "liste d'attente", str(reason))
        for reason in (services.OFFERED, services.LAPSED, services.OFFERED)
    ]


def test_session_lifecycle_is_logged_with_who_made_each_step(staff):
    member = UserFactory()
    model = SessionFactory.build(
        module=ModuleFactory(), provider=ProviderFactory(), opco_contact=OpcoContactFactory()
    )
    fields = {name: getattr(model, name) for name in session_services.SESSION_FIELDS}
    day = {
        "date": model.registration_deadline + datetime.timedelta(days=21),
        "morning_start": datetime.time(9, 0),
        "morning_end": datetime.time(12, 30),
    }

    trainer = TrainerFactory(provider=model.provider)
    session = session_services.session_create(
        fields=fields, days=[day], trainer_ids=[trainer.pk], by=Actor.staff(staff)
    )
    session_services.session_submit(session_id=session.pk, by=Actor.provider(member))
    session_services.session_publish(session_id=session.pk, by=Actor.staff(staff))
    session_services.session_cancel(
        session_id=session.pk, reason="Salle indisponible", by=Actor.staff(staff)
    )

    assert session_logged(session) == [
        ("", "draft", "staff", staff.pk, ""),
        ("draft", "submitted", "provider", member.pk, ""),
        ("submitted", "published", "staff", staff.pk, ""),
        ("published", "cancelled", "staff", staff.pk, "Salle indisponible"),
    ]


def test_publishing_a_published_session_logs_nothing(staff):
    session = SessionFactory(status=Session.Status.PUBLISHED)

    session_services.session_publish(session_id=session.pk, by=Actor.staff(staff))

    assert session_logged(session) == []


def test_session_cancellation_logs_each_enrolment_it_cancels(staff):
    session = SessionFactory(capacity=2, min_participants=1)
    confirmed = EnrolmentFactory(session=session)
    pending = EnrolmentFactory(session=session, status=Enrolment.Status.PENDING)
    waitlisted = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    refused = EnrolmentFactory(session=session, status=Enrolment.Status.REFUSED)

    session_services.session_cancel(
        session_id=session.pk, reason="Formatrice absente", by=Actor.staff(staff)
    )

    for enrolment, before in (
        (confirmed, "confirmed"),
        (pending, "pending"),
        (waitlisted, "waitlisted"),
    ):
        assert logged(enrolment) == [(before, "cancelled", "staff", staff.pk, "Session annulée")]
    assert logged(refused) == []
    assert session_logged(session) == [
        ("published", "cancelled", "staff", staff.pk, "Formatrice absente")
    ]


def test_a_refused_action_logs_nothing(staff):
    confirmed = EnrolmentFactory()
    dayless = SessionFactory(status=Session.Status.DRAFT, days=[])

    with pytest.raises(EnrolmentError):
        services.enrolment_validate(enrolment_id=confirmed.pk, by=Actor.staff(staff))
    with pytest.raises(EnrolmentError):
        services.enrolment_refuse(enrolment_id=confirmed.pk, by=Actor.staff(staff), reason="x")
    with pytest.raises(ValidationError):
        session_services.session_publish(session_id=dayless.pk, by=Actor.staff(staff))

    assert not Transition.objects.exists()


def test_a_change_that_fails_after_logging_takes_its_log_line_back(staff, monkeypatch):
    enrolment = EnrolmentFactory()

    def mail_refused(**kwargs):
        raise RuntimeError("outbox unavailable")

    # Fails after the status and its log line are written, in the same transaction.
    monkeypatch.setattr(services, "mail_queue", mail_refused)
    with pytest.raises(RuntimeError):
        services.enrolment_cancel(enrolment_id=enrolment.pk, by=Actor.staff(staff))

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert not Transition.objects.exists()

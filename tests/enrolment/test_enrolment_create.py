import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from enrolment import services
from enrolment.mails import MailKind
from enrolment.models import Employer, Enrolment, Trainee
from enrolment.selectors import ClosedReason, waitlist_position
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.factories import (
    EnrolmentFactory,
    PrerequisiteModuleFactory,
    SessionFactory,
    TraineeFactory,
)

from .helpers import employer_data, enrol, enrolment_data, practice_declaration, trainee_data

TRAINEE = Actor.trainee()

pytestmark = pytest.mark.django_db


def test_free_seat_confirms_the_enrolment_and_queues_the_confirmation():
    session = SessionFactory(capacity=2, min_participants=0)

    result = enrol(session, email="lea@ccas.example.org")

    enrolment = result.enrolment
    assert result.created
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.trainee.email == "lea@ccas.example.org"
    assert enrolment.employer.siret == "73282932000074"
    assert enrolment.employer_contact_name == "Claire Petit"
    assert enrolment.consent_at is not None
    address_mail, mail = OutboxMail.objects.order_by("pk")
    assert (address_mail.kind, address_mail.about) == (MailKind.ADDRESS_CONFIRM, enrolment)
    assert (mail.kind, mail.recipient, mail.about, mail.about.session) == (
        MailKind.CONFIRMATION,
        "lea@ccas.example.org",
        enrolment,
        session,
    )
    assert mail.status == OutboxMail.Status.QUEUED


def test_full_session_puts_enrolment_on_waiting_list_with_its_position():
    session = SessionFactory(capacity=1, min_participants=0)
    enrol(session)

    second = enrol(session).enrolment
    third = enrol(session).enrolment

    assert second.status == third.status == Enrolment.Status.WAITLISTED
    assert second.waitlisted_at is not None
    assert waitlist_position(second) == 1
    assert waitlist_position(third) == 2
    assert session.enrolments.holding_seat().count() == 1


def test_pending_enrolments_hold_a_seat():
    session = SessionFactory(capacity=1, min_participants=0)
    EnrolmentFactory(session=session, status=Enrolment.Status.PENDING)

    assert enrol(session).enrolment.status == Enrolment.Status.WAITLISTED


def test_cancelled_and_refused_enrolments_free_their_seat():
    session = SessionFactory(capacity=2, min_participants=0)
    EnrolmentFactory(session=session, status=Enrolment.Status.CANCELLED)
    EnrolmentFactory(session=session, status=Enrolment.Status.REFUSED)

    assert enrol(session).enrolment.status == Enrolment.Status.CONFIRMED
    assert enrol(session).enrolment.status == Enrolment.Status.CONFIRMED


def test_module_with_prerequisite_makes_the_enrolment_pending_with_its_declaration():
    session = SessionFactory(module=PrerequisiteModuleFactory())

    enrolment = enrol(
        session,
        declaration=enrolment_data(
            prerequisite_basis="module",
            prerequisite_module_when="octobre 2023",
            prerequisite_module_provider="Croix-Rouge française",
            prerequisite_practice="typed, then the other option chosen",
        ),
    ).enrolment

    assert enrolment.status == Enrolment.Status.PENDING
    assert enrolment.prerequisite_basis == "module"
    assert enrolment.prerequisite_module_when == "octobre 2023"
    assert enrolment.prerequisite_module_provider == "Croix-Rouge française"
    assert enrolment.prerequisite_practice == ""


def test_module_with_prerequisite_requires_a_declaration():
    session = SessionFactory(module=PrerequisiteModuleFactory())

    with pytest.raises(ValidationError) as error:
        enrol(session, declaration=enrolment_data())

    assert "prerequisite_basis" in error.value.message_dict
    assert not Enrolment.objects.exists()
    assert not Trainee.objects.exists()


def test_practice_declaration_is_accepted_for_a_module_with_prerequisite():
    session = SessionFactory(module=PrerequisiteModuleFactory())

    enrolment = enrol(session, declaration=practice_declaration()).enrolment

    assert enrolment.status == Enrolment.Status.PENDING
    assert enrolment.prerequisite_basis == "practice"


def test_declaration_is_ignored_for_a_module_without_prerequisite():
    session = SessionFactory()

    enrolment = enrol(session, declaration=practice_declaration()).enrolment

    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.prerequisite_basis == ""
    assert enrolment.prerequisite_practice == ""


def test_full_module_with_prerequisite_waitlists_rather_than_pending():
    session = SessionFactory(module=PrerequisiteModuleFactory(), capacity=1, min_participants=0)
    EnrolmentFactory(session=session)

    enrolment = enrol(session, declaration=practice_declaration()).enrolment

    assert enrolment.status == Enrolment.Status.WAITLISTED


@pytest.mark.parametrize(
    ("session_kwargs", "reason"),
    [
        ({"status": "draft"}, ClosedReason.NOT_PUBLISHED),
        ({"status": "submitted"}, ClosedReason.NOT_PUBLISHED),
        ({"status": "cancelled"}, ClosedReason.CANCELLED),
        ({"days": []}, ClosedReason.NO_DATES),
    ],
)
def test_unpublished_or_dateless_session_refuses_enrolment(session_kwargs, reason):
    session = SessionFactory(**session_kwargs)

    with pytest.raises(services.RegistrationClosed) as error:
        enrol(session)

    assert error.value.code == reason
    assert not Enrolment.objects.exists()
    assert not OutboxMail.objects.exists()


def test_passed_deadline_refuses_enrolment():
    today = timezone.localdate()
    session = SessionFactory(
        registration_deadline=today - datetime.timedelta(days=1),
        days=[today + datetime.timedelta(days=10)],
    )

    with pytest.raises(services.RegistrationClosed) as error:
        enrol(session)

    assert error.value.code == ClosedReason.DEADLINE_PASSED


def test_deadline_day_itself_still_accepts_enrolment():
    today = timezone.localdate()
    session = SessionFactory(
        registration_deadline=today, days=[today + datetime.timedelta(days=10)]
    )

    assert enrol(session).created


def test_without_deadline_enrolment_closes_the_day_before_the_first_day():
    today = timezone.localdate()
    open_session = SessionFactory(
        registration_deadline=None, days=[today + datetime.timedelta(days=1)]
    )
    closed_session = SessionFactory(registration_deadline=None, days=[today])

    assert enrol(open_session).created
    with pytest.raises(services.RegistrationClosed):
        enrol(closed_session)


def test_second_enrolment_with_same_address_creates_nothing_and_resends_the_link():
    session = SessionFactory()
    first = enrol(session, email="lea@ccas.example.org", first_name="Léa").enrolment

    again = enrol(session, email="LEA@ccas.example.org ", first_name="Quelqu'un d'autre")

    assert not again.created
    assert again.enrolment == first
    assert Enrolment.objects.count() == 1
    assert Trainee.objects.get().first_name == "Léa"
    kinds = list(OutboxMail.objects.order_by("pk").values_list("kind", "recipient"))
    assert kinds == [
        (MailKind.ADDRESS_CONFIRM, "lea@ccas.example.org"),
        (MailKind.CONFIRMATION, "lea@ccas.example.org"),
        (MailKind.LINK, "lea@ccas.example.org"),
    ]


def test_waitlisted_person_enrolling_again_keeps_their_place():
    session = SessionFactory(capacity=1, min_participants=0)
    enrol(session)
    waiting = enrol(session, email="lea@ccas.example.org").enrolment

    again = enrol(session, email="lea@ccas.example.org")

    assert again.enrolment == waiting
    assert not again.created


def test_enrolling_again_after_cancelling_creates_a_new_enrolment():
    session = SessionFactory()
    first = enrol(session, email="lea@ccas.example.org").enrolment
    services.enrolment_cancel(enrolment_id=first.pk, by=TRAINEE)

    second = enrol(session, email="lea@ccas.example.org")

    assert second.created
    assert second.enrolment.pk != first.pk
    assert second.enrolment.trainee == first.trainee


def test_known_trainee_enrolling_in_another_session_is_found_not_duplicated():
    trainee = TraineeFactory(email="lea@ccas.example.org")

    result = enrol(SessionFactory(), email="Lea@CCAS.example.org")

    assert Trainee.objects.count() == 1
    assert result.enrolment.trainee == trainee


def test_form_with_a_known_address_never_rewrites_the_trainees_identity():
    lea = enrol(
        SessionFactory(),
        email="lea@ccas.example.org",
        civility="mme",
        first_name="Léa",
        last_name="Bernard",
        phone="06 12 34 56 78",
        job="ass",
        diploma_level="6",
    ).enrolment.trainee
    stored = Trainee.objects.values().get(pk=lea.pk)

    stranger = services.enrolment_create(
        session_id=SessionFactory().pk,
        trainee_data=trainee_data(
            email="lea@ccas.example.org",
            civility="m",
            first_name="Marc",
            last_name="Usurpateur",
            phone="07 00 00 00 00",
            job="autre",
            job_other="Autre chose",
            diploma_level="8",
        ),
        employer_data=employer_data(name="Autre structure", siret="", city="Tours"),
        enrolment_data=enrolment_data(employer_contact_name="Paul Martin"),
        consent=True,
        by=TRAINEE,
    ).enrolment

    assert Trainee.objects.values().get(pk=lea.pk) == stored
    # What belongs to the new enrolment is on the new enrolment.
    assert stranger.trainee_id == lea.pk
    assert stranger.employer.name == "Autre structure"
    assert stranger.employer_contact_name == "Paul Martin"
    assert lea.enrolments.first().employer.name == "CCAS d'Orléans"


def test_employer_is_found_again_by_its_siret():
    employer = Employer.objects.create(
        name="CCAS d'Orléans", siret="73282932000074", city="Orléans"
    )

    enrolment = services.enrolment_create(
        session_id=SessionFactory().pk,
        trainee_data=trainee_data(),
        employer_data=employer_data(siret="732 829 320 00074", opco_member_number="A-42"),
        enrolment_data=enrolment_data(),
        consent=True,
        by=TRAINEE,
    ).enrolment

    assert enrolment.employer == employer
    assert Employer.objects.count() == 1
    employer.refresh_from_db()
    assert employer.opco_member_number == "A-42"


def test_enrolment_without_consent_is_refused():
    with pytest.raises(ValidationError) as error:
        services.enrolment_create(
            session_id=SessionFactory().pk,
            trainee_data=trainee_data(),
            employer_data=employer_data(),
            enrolment_data=enrolment_data(),
            consent=False,
            by=TRAINEE,
        )
    assert "consent" in error.value.message_dict
    assert not Enrolment.objects.exists()


def test_other_job_without_description_is_refused_by_the_service():
    with pytest.raises(ValidationError) as error:
        enrol(SessionFactory(), job="autre", job_other="")
    assert "job_other" in error.value.message_dict
    assert not Enrolment.objects.exists()


def test_database_refuses_two_active_enrolments_of_one_trainee_in_one_session():
    first = EnrolmentFactory()

    with pytest.raises(IntegrityError):
        EnrolmentFactory(
            trainee=first.trainee, session=first.session, status=Enrolment.Status.WAITLISTED
        )


def test_database_allows_a_new_enrolment_beside_a_cancelled_one():
    first = EnrolmentFactory(status=Enrolment.Status.CANCELLED)

    EnrolmentFactory(trainee=first.trainee, session=first.session)

    assert Enrolment.objects.count() == 2

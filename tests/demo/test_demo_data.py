"""`manage.py demo_data`: the seeds, then demo sessions and enrolments made by the services."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from catalogue.models import (
    FundingPartner,
    Module,
    ModuleDay,
    Opco,
    OpcoContact,
    Provider,
    Sequence,
    Session,
    SessionDay,
    Trainer,
)
from demo.load import DATA_PATH, demo_data_read
from enrolment.models import Employer, Enrolment, PrerequisiteBasis, Trainee, Transition
from enrolment.selectors import registration_closed_reason, seats_held, seats_left
from enrolment.validators import validate_prerequisite_declaration
from outbox.models import OutboxMail
from website.selectors import upcoming_sessions


def _open(session):
    return registration_closed_reason(session) is None


def _deadline_passed(session):
    return timezone.localdate() > session.registration_closes_on


pytestmark = pytest.mark.django_db

ALL_MODELS = [
    Module,
    Module.prerequisite_modules.through,
    Sequence,
    ModuleDay,
    Provider,
    Trainer,
    Opco,
    OpcoContact,
    FundingPartner,
    Session,
    Session.trainers.through,
    Session.partners.through,
    SessionDay,
    Employer,
    Trainee,
    Enrolment,
]
SEED_PROVIDERS = ["croix-rouge-francaise", "praxis"]


def _run_demo_data():
    out = StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def _snapshot():
    return {model: list(model.objects.order_by("pk").values()) for model in ALL_MODELS}


def _demo_sessions():
    return Session.objects.exclude(provider__slug__in=SEED_PROVIDERS)


@pytest.fixture
def demo():
    _run_demo_data()


def test_demo_data_loads_the_seeds_with_the_demo_rows():
    _run_demo_data()

    assert Module.objects.count() == 2
    assert Sequence.objects.count() == 6
    assert Session.objects.filter(provider__slug__in=SEED_PROVIDERS).count() == 4
    assert _demo_sessions().count() == 10
    assert Enrolment.objects.exists()


def test_running_demo_data_twice_creates_and_changes_nothing():
    _run_demo_data()
    counts = {model: model.objects.count() for model in ALL_MODELS}
    before = _snapshot()

    _run_demo_data()

    assert {model: model.objects.count() for model in ALL_MODELS} == counts
    assert _snapshot() == before


def test_a_later_run_does_not_move_existing_demo_sessions():
    with time_machine.travel(datetime.datetime(2031, 3, 10, 9, tzinfo=datetime.UTC)):
        _run_demo_data()
    before = _snapshot()

    with time_machine.travel(datetime.datetime(2031, 4, 20, 9, tzinfo=datetime.UTC)):
        _run_demo_data()

    assert _snapshot() == before


def test_demo_data_prints_what_it_created_then_that_nothing_was_created():
    first = _run_demo_data()
    second = _run_demo_data()

    assert "Données de démonstration créées : 3 organismes" in first
    assert "10 sessions" in first
    assert f"{Trainee.objects.count()} stagiaires" in first
    assert f"{Enrolment.objects.count()} inscriptions" in first
    assert "rien n'a été créé ni modifié" in second


def test_demo_has_a_published_session_with_one_seat_left(demo):
    nearly_full = [
        s for s in _demo_sessions().filter(status=Session.Status.PUBLISHED) if seats_left(s) == 1
    ]

    assert len(nearly_full) == 1
    assert _open(nearly_full[0])


def test_demo_has_a_full_session_with_a_waiting_list(demo):
    full = [s for s in _demo_sessions() if seats_left(s) == 0]

    assert len(full) == 1
    session = full[0]
    assert session.enrolments.filter(status=Enrolment.Status.CONFIRMED).count() == session.capacity
    assert session.enrolments.filter(status=Enrolment.Status.WAITLISTED).count() == 2
    assert _open(session)


def test_demo_has_a_session_whose_deadline_passed_before_its_days(demo):
    today = timezone.localdate()
    closed = [s for s in _demo_sessions() if _deadline_passed(s)]

    assert len(closed) == 1
    session = closed[0]
    assert session.status == Session.Status.PUBLISHED
    assert session.registration_deadline < today < session.first_day
    assert not _open(session)


def test_demo_has_a_draft_session(demo):
    drafts = _demo_sessions().filter(status=Session.Status.DRAFT)

    assert drafts.count() == 1
    assert not _open(drafts.get())


def test_demo_sessions_are_upcoming_two_weekdays_of_fourteen_hours(demo):
    today = timezone.localdate()

    for session in _demo_sessions():
        first, second = (day.date for day in session.sorted_days)
        assert first > today
        assert second == first + datetime.timedelta(days=1)
        assert first.weekday() < 5 and second.weekday() < 5
        assert session.total_hours == 14
        assert session.opco_contact is not None
        assert list(session.partners.values_list("acronym", flat=True)) == ["DGCS"]
        assert session.trainers.exists()


def test_demo_open_sessions_close_three_weeks_before_their_first_day(demo):
    open_sessions = [s for s in _demo_sessions() if not _deadline_passed(s)]

    assert open_sessions
    for session in open_sessions:
        assert session.registration_deadline == session.first_day - datetime.timedelta(weeks=3)


def test_demo_covers_both_modules_several_providers_and_regions(demo):
    published = _demo_sessions().filter(status=Session.Status.PUBLISHED)

    assert set(published.values_list("module__number", flat=True)) == {1, 2}
    assert published.values("provider").distinct().count() >= 3
    assert set(published.values_list("region", flat=True)) >= {
        "Île-de-France",
        "Auvergne-Rhône-Alpes",
        "Hauts-de-France",
        "Occitanie",
        "Bretagne",
        "Grand Est",
        "Centre-Val de Loire",
    }


def test_demo_enrolments_have_consent_and_plausible_trainees(demo):
    assert Enrolment.objects.filter(status=Enrolment.Status.PENDING).exists()
    assert not Enrolment.objects.filter(consent_at__isnull=True).exists()
    for trainee in Trainee.objects.select_related("employer"):
        assert trainee.job and trainee.diploma_level
        assert trainee.employer is not None and trainee.employer.opco is not None
    # No trainee holds two seats, and seats never exceed capacity.
    assert Enrolment.objects.values("trainee").distinct().count() == Enrolment.objects.count()
    for session in _demo_sessions():
        assert seats_held(session) <= session.capacity


def test_demo_people_and_organisations_are_fictional(demo):
    demo_emails = [
        *Trainee.objects.values_list("email", flat=True),
        *OpcoContact.objects.exclude(
            email__in=["ac-cpdl@opco-sante.fr", "aurore.joannes@opco-sante.fr"]
        ).values_list("email", flat=True),
        *Provider.objects.exclude(slug__in=SEED_PROVIDERS).values_list("email", flat=True),
    ]

    assert demo_emails
    assert all(email.endswith(".example.org") for email in demo_emails)
    # Upcoming sessions never name a real provider or a real OPCO contact.
    assert not _demo_sessions().filter(opco_contact__email__endswith="@opco-sante.fr").exists()


def test_demo_providers_name_the_legal_representative_who_signs_the_certificates(demo):
    demo_providers = Provider.objects.exclude(slug__in=SEED_PROVIDERS)
    assert demo_providers
    for provider in demo_providers:
        assert provider.legal_representative_name and provider.legal_representative_title


def test_demo_rows_pass_model_validation(demo):
    for model in (Provider, Trainer, OpcoContact, Session, SessionDay, Employer, Trainee):
        for obj in model.objects.all():
            obj.full_clean()
    for enrolment in Enrolment.objects.all():
        enrolment.full_clean()


def test_catalogue_lists_the_published_demo_sessions_but_not_the_draft(demo):
    listed = set(upcoming_sessions().values_list("pk", flat=True))
    published = _demo_sessions().filter(status=Session.Status.PUBLISHED)
    draft = _demo_sessions().get(status=Session.Status.DRAFT)

    assert listed == set(published.values_list("pk", flat=True))
    assert published.count() == 9
    assert draft.pk not in listed
    assert not published.filter(published_at__isnull=True).exists()
    assert draft.published_at is None


def test_demo_module_2_enrolments_declare_their_prerequisite(demo):
    module_2 = Enrolment.objects.filter(session__module__number=2)
    module_1 = Enrolment.objects.filter(session__module__number=1)

    assert module_2.exists()
    assert {e.prerequisite_basis for e in module_2} == {
        PrerequisiteBasis.MODULE,
        PrerequisiteBasis.PRACTICE,
    }
    for enrolment in module_2:
        validate_prerequisite_declaration(
            basis=enrolment.prerequisite_basis,
            module_when=enrolment.prerequisite_module_when,
            module_provider=enrolment.prerequisite_module_provider,
            practice=enrolment.prerequisite_practice,
        )
    # A validated Module 2 enrolment records its decision; Module 1 needs none.
    assert all(e.decided_at is not None for e in module_2.filter(status=Enrolment.Status.CONFIRMED))
    assert not module_1.exclude(prerequisite_basis="").exists()
    assert not module_1.filter(decided_at__isnull=False).exists()


def test_demo_enrolments_record_employer_agreement_and_waiting_list_order(demo):
    for enrolment in Enrolment.objects.select_related("trainee"):
        assert enrolment.employer_id == enrolment.trainee.employer_id
        assert enrolment.employer_contact_name
        assert enrolment.employer_contact_email.endswith(".example.org")
        assert enrolment.status_changed_at is not None
    waitlisted = Enrolment.objects.filter(status=Enrolment.Status.WAITLISTED)
    assert waitlisted.count() == 2
    assert not waitlisted.filter(waitlisted_at__isnull=True).exists()
    assert (
        not Enrolment.objects.exclude(status=Enrolment.Status.WAITLISTED)
        .filter(waitlisted_at__isnull=False)
        .exists()
    )


@pytest.mark.django_db
def test_demo_enrolments_to_validate_are_only_in_modules_with_a_prerequisite():
    call_command("demo_data", stdout=StringIO())

    pending = Enrolment.objects.filter(status=Enrolment.Status.PENDING)
    assert pending.exists()
    for enrolment in pending.select_related("session__module"):
        assert enrolment.session.module.prerequisite_modules.exists()
        assert enrolment.prerequisite_basis


# Through the services.


def test_demo_sessions_are_created_as_drafts_by_staff_and_published_through_the_service(demo):
    for session in _demo_sessions():
        steps = list(session.transitions.filter(enrolment=None).order_by("at", "pk"))
        assert (steps[0].from_status, steps[0].to_status) == ("", Session.Status.DRAFT)
        assert all(step.actor_kind == Transition.ActorKind.STAFF for step in steps)
        if session.status == Session.Status.PUBLISHED:
            assert [(s.from_status, s.to_status) for s in steps[1:]] == [
                (Session.Status.DRAFT, Session.Status.PUBLISHED)
            ]
        else:
            assert steps[1:] == []


def test_every_demo_enrolment_was_created_by_the_enrolment_service(demo):
    enrolments = Enrolment.objects.all()

    assert enrolments.count() == 30
    for enrolment in enrolments.select_related("session__module"):
        creation = enrolment.transitions.get(from_status="")
        assert creation.actor_kind == Transition.ActorKind.TRAINEE
        assert creation.to_status == Enrolment.Status.UNCONFIRMED
        confirmation = enrolment.transitions.get(from_status=Enrolment.Status.UNCONFIRMED)
        assert confirmation.actor_kind == Transition.ActorKind.TRAINEE
        if enrolment.session.module.prerequisite_modules.exists():
            expected = {Enrolment.Status.PENDING, Enrolment.Status.WAITLISTED}
        else:
            expected = {Enrolment.Status.CONFIRMED, Enrolment.Status.WAITLISTED}
        assert confirmation.to_status in expected


def test_demo_module_2_enrolments_confirmed_were_validated_by_staff(demo):
    confirmed = Enrolment.objects.filter(
        session__module__number=2, status=Enrolment.Status.CONFIRMED
    )

    assert confirmed.exists()
    for enrolment in confirmed:
        validation = enrolment.transitions.get(from_status=Enrolment.Status.PENDING)
        assert validation.to_status == Enrolment.Status.CONFIRMED
        assert validation.actor_kind == Transition.ActorKind.STAFF


def test_demo_waiting_list_comes_from_enrolling_beyond_the_capacity(demo):
    waitlisted = Enrolment.objects.filter(status=Enrolment.Status.WAITLISTED)

    for enrolment in waitlisted:
        confirmation = enrolment.transitions.get(from_status=Enrolment.Status.UNCONFIRMED)
        assert confirmation.to_status == Enrolment.Status.WAITLISTED
        # They enrolled after the last confirmed seat was taken.
        confirmed = enrolment.session.enrolments.filter(status=Enrolment.Status.CONFIRMED)
        assert all(other.pk < enrolment.pk for other in confirmed)


def test_demo_deadline_was_moved_into_the_past_after_the_enrolments(demo):
    today = timezone.localdate()
    session = next(s for s in _demo_sessions() if _deadline_passed(s))

    assert session.registration_deadline == today - datetime.timedelta(days=3)
    assert session.enrolments.count() == 5
    assert all(e.consent_at.date() <= today for e in session.enrolments.all())


def test_demo_mails_are_queued_by_the_services_but_not_sent():
    out = _run_demo_data()

    mails = OutboxMail.objects.all()
    for enrolment in Enrolment.objects.all():
        assert enrolment.mails.filter(kind="confirmation").exists()
    assert set(mails.values_list("status", flat=True)) == {OutboxMail.Status.SKIPPED}
    assert f"{mails.count()} marqués « Sans objet »" in out
    assert "e-mails de démonstration ne sont pas envoyés" in out


def test_demo_data_leaves_the_mails_queued_before_it():
    other = OutboxMail.objects.create(kind="link", recipient="someone@example.fr")

    _run_demo_data()

    other.refresh_from_db()
    assert other.status == OutboxMail.Status.QUEUED


def test_a_second_run_keeps_the_seeds_as_edited():
    first = _run_demo_data()
    Module.objects.filter(number=1).update(title="Titre modifié")

    second = _run_demo_data()

    assert "Données des sources chargées (catalogue.json)." in first
    assert "déjà en place (catalogue.json) : non rechargées" in second
    assert Module.objects.get(number=1).title == "Titre modifié"


def test_demo_data_file_is_the_source_of_the_demo_rows(demo):
    data = demo_data_read()

    assert DATA_PATH.name == "demo.toml"
    assert Trainee.objects.count() == len(data["trainees"])
    assert set(Trainee.objects.values_list("email", flat=True)) == {
        trainee["email"] for trainee in data["trainees"]
    }
    assert _demo_sessions().count() == len(data["sessions"])
    assert set(Employer.objects.values_list("siret", flat=True)) == {
        employer["siret"] for employer in data["employers"]
    }

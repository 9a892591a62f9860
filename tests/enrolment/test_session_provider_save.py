"""A provider's save of a session (the providers' space form and the spreadsheet upload):
created as submitted, a draft or submitted session changed, a published one's dates, place or
seats proposed to the OPCO, who approves or rejects the proposal."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from catalogue.models import Session
from enrolment.mails import MailKind
from enrolment.models import Attendance, Enrolment, SessionChangeRequest, Transition
from enrolment.session_services import (
    ProviderSaveOutcome,
    session_change_approve,
    session_change_reject,
    session_provider_changes,
    session_provider_check,
    session_provider_save,
)
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    ProviderFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STAFF = Actor.staff(None)
IN_TWO_MONTHS = timezone.localdate() + datetime.timedelta(days=60)
MORNING = (datetime.time(9, 0), datetime.time(12, 30))
AFTERNOON = (datetime.time(13, 30), datetime.time(17, 0))


def _day(date, **overrides):
    return {
        "date": date,
        "morning_start": MORNING[0],
        "morning_end": MORNING[1],
        "afternoon_start": AFTERNOON[0],
        "afternoon_end": AFTERNOON[1],
        **overrides,
    }


def _fields(**overrides):
    return {
        "module": ModuleFactory(),
        "label": "Groupe 3",
        "reference": "CRF-2026-03",
        "city": "Tours",
        "venue_name": "Maison des associations",
        "venue_address": "10 rue Nationale",
        "postcode": "37000",
        "registration_deadline": IN_TWO_MONTHS - datetime.timedelta(days=14),
        "capacity": 14,
        "min_participants": 6,
        **overrides,
    }


def _session_fields(session, **overrides):
    """The session's own values, as a form showing it would send them back."""
    names = ("module", "label", "reference", "city", "venue_name", "venue_address", "postcode")
    values = {name: getattr(session, name) for name in names}
    values.update(
        registration_deadline=session.registration_deadline,
        capacity=session.capacity,
        min_participants=session.min_participants,
    )
    return {**values, **overrides}


def _session_days(session):
    return [
        {
            "id": day.pk,
            "date": day.date,
            "morning_start": day.morning_start,
            "morning_end": day.morning_end,
            "afternoon_start": day.afternoon_start,
            "afternoon_end": day.afternoon_end,
        }
        for day in session.days.order_by("date")
    ]


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def provider(member):
    provider = ProviderFactory()
    provider.members.add(member)
    return provider


@pytest.fixture
def by(member):
    return Actor.provider(member)


def test_new_session_is_submitted_with_its_days_trainers_and_derived_place(provider, by):
    trainer = TrainerFactory(provider=provider)

    session, outcome = session_provider_save(
        provider_id=provider.pk,
        session_id=None,
        fields=_fields(),
        days=[_day(IN_TWO_MONTHS), _day(IN_TWO_MONTHS + datetime.timedelta(days=1))],
        trainer_ids=[trainer.pk],
        by=by,
    )

    session.refresh_from_db()
    assert outcome == ProviderSaveOutcome.CREATED
    assert session.status == Session.Status.SUBMITTED
    assert session.provider == provider
    assert (session.department, session.region) == ("37", "Centre-Val de Loire")
    assert [day.date for day in session.sorted_days] == [
        IN_TWO_MONTHS,
        IN_TWO_MONTHS + datetime.timedelta(days=1),
    ]
    assert list(session.trainers.all()) == [trainer]
    assert list(session.transitions.values_list("from_status", "to_status", "actor_kind")) == [
        ("", "draft", "provider"),
        ("draft", "submitted", "provider"),
    ]


def test_the_same_values_again_change_nothing(provider, by):
    fields, days = _fields(), [_day(IN_TWO_MONTHS)]
    session, _ = session_provider_save(
        provider_id=provider.pk, session_id=None, fields=fields, days=days, trainer_ids=[], by=by
    )

    again, outcome = session_provider_save(
        provider_id=provider.pk,
        session_id=session.pk,
        fields=fields,
        days=days,
        trainer_ids=[],
        by=by,
    )

    assert outcome == ProviderSaveOutcome.UNCHANGED
    assert not session_provider_changes(session=again, fields=fields, days=days, trainer_ids=[])


def test_draft_changed_by_its_provider_is_submitted(provider, by):
    session = SessionFactory(provider=provider, status=Session.Status.DRAFT)

    changed, outcome = session_provider_save(
        provider_id=provider.pk,
        session_id=session.pk,
        fields=_session_fields(session, capacity=20),
        days=_session_days(session),
        trainer_ids=[],
        by=by,
    )

    assert outcome == ProviderSaveOutcome.CHANGED
    assert changed.status == Session.Status.SUBMITTED
    assert changed.capacity == 20


def test_submitted_session_changes_at_once_and_its_days_keep_their_attendance(provider, by):
    session = SessionFactory(provider=provider, status=Session.Status.SUBMITTED)
    first, second = session.sorted_days
    enrolment = EnrolmentFactory(session=session)
    attendance = Attendance.objects.create(enrolment=enrolment, day=first, half_day="am")
    # The first day without an id (matched by its date), the second moved a day later.
    days = [
        _day(first.date),
        {**_session_days(session)[1], "date": second.date + datetime.timedelta(days=1)},
    ]

    changed, outcome = session_provider_save(
        provider_id=provider.pk,
        session_id=session.pk,
        fields=_session_fields(session, city="Blois", postcode="41000"),
        days=days,
        trainer_ids=[],
        by=by,
    )

    assert outcome == ProviderSaveOutcome.CHANGED
    assert changed.status == Session.Status.SUBMITTED
    assert (changed.city, changed.department) == ("Blois", "41")
    assert [day.pk for day in changed.sorted_days] == [first.pk, second.pk]
    assert Attendance.objects.filter(pk=attendance.pk).exists()


def test_published_session_change_of_dates_and_seats_waits_for_the_opco(provider, by):
    session = SessionFactory(provider=provider, capacity=12)
    days = _session_days(session)
    days[1]["date"] += datetime.timedelta(days=2)

    same, outcome = session_provider_save(
        provider_id=provider.pk,
        session_id=session.pk,
        fields=_session_fields(session, capacity=16, label="Groupe Tours"),
        days=days,
        trainer_ids=[],
        by=by,
    )

    assert outcome == ProviderSaveOutcome.PROPOSED
    session.refresh_from_db()
    # The label needs no approval; the seats and the dates wait.
    assert session.label == "Groupe Tours"
    assert session.capacity == 12
    request = SessionChangeRequest.objects.get(session=session)
    assert request.status == SessionChangeRequest.Status.PENDING
    assert request.fields == {"capacity": 16}
    assert [day["date"] for day in request.days] == [d["date"].isoformat() for d in days]
    assert request.requested_by == by.user
    assert same.status == Session.Status.PUBLISHED


def test_published_session_compares_with_its_pending_proposal(provider, by):
    session = SessionFactory(provider=provider, capacity=12)
    fields, days = _session_fields(session, capacity=16), _session_days(session)
    session_provider_save(
        provider_id=provider.pk,
        session_id=session.pk,
        fields=fields,
        days=days,
        trainer_ids=[],
        by=by,
    )

    _, outcome = session_provider_save(
        provider_id=provider.pk,
        session_id=session.pk,
        fields=fields,
        days=days,
        trainer_ids=[],
        by=by,
    )

    assert outcome == ProviderSaveOutcome.UNCHANGED
    assert not session_provider_changes(session=session, fields=fields, days=days, trainer_ids=[])
    assert SessionChangeRequest.objects.filter(session=session).count() == 1


def test_a_newer_proposal_replaces_the_pending_one(provider, by):
    session = SessionFactory(provider=provider, capacity=12)
    days = _session_days(session)
    for capacity in (16, 18):
        session_provider_save(
            provider_id=provider.pk,
            session_id=session.pk,
            fields=_session_fields(session, capacity=capacity),
            days=days,
            trainer_ids=[],
            by=by,
        )

    assert list(SessionChangeRequest.objects.order_by("pk").values_list("status", "fields")) == [
        ("replaced", {"capacity": 16}),
        ("pending", {"capacity": 18}),
    ]


def test_changes_are_given_by_field_with_old_and_new_values(provider):
    session = SessionFactory(provider=provider, capacity=12, city="Orléans")
    days = _session_days(session)
    days[0]["morning_start"] = datetime.time(9, 30)

    changes = session_provider_changes(
        session=session,
        fields=_session_fields(session, capacity=15, city="Tours"),
        days=days,
        trainer_ids=[],
    )

    # Values by field name, in the form's order; the pages write them.
    assert [change.name for change in changes] == ["city", "capacity", "days"]
    assert (changes["capacity"].label, changes["capacity"].old, changes["capacity"].new) == (
        "Places",
        12,
        15,
    )
    assert (changes["city"].old, changes["city"].new) == ("Orléans", "Tours")
    old, new = changes["days"].old, changes["days"].new
    assert [day.half_days[0][0] for day in old] == [datetime.time(9, 0), datetime.time(9, 0)]
    assert [day.half_days[0][0] for day in new] == [datetime.time(9, 30), datetime.time(9, 0)]
    # A published session: the place, seats and days wait for the OPCO.
    assert changes.needs_approval


def test_a_change_outside_the_approval_fields_needs_no_approval(provider):
    session = SessionFactory(provider=provider, label="Groupe 1")
    changes = session_provider_changes(
        session=session,
        fields=_session_fields(session, label="Groupe A"),
        days=_session_days(session),
        trainer_ids=[],
    )
    assert [change.name for change in changes] == ["label"]
    assert not changes.needs_approval


def test_another_providers_session_is_refused(provider, by):
    session = SessionFactory(capacity=12)

    with pytest.raises(ValidationError) as error:
        session_provider_save(
            provider_id=provider.pk,
            session_id=session.pk,
            fields=_session_fields(session, capacity=16),
            days=_session_days(session),
            trainer_ids=[],
            by=by,
        )

    assert NON_FIELD_ERRORS in error.value.error_dict
    session.refresh_from_db()
    assert session.capacity == 12


def test_another_providers_trainer_is_refused(provider, by):
    stranger = TrainerFactory()

    with pytest.raises(ValidationError) as error:
        session_provider_save(
            provider_id=provider.pk,
            session_id=None,
            fields=_fields(),
            days=[_day(IN_TWO_MONTHS)],
            trainer_ids=[stranger.pk],
            by=by,
        )

    assert set(error.value.error_dict) == {"trainers"}
    assert not Session.objects.filter(provider=provider).exists()


def test_the_trainers_the_opco_added_stay_and_may_be_sent_back(provider, by):
    own, other_own = TrainerFactory(provider=provider), TrainerFactory(provider=provider)
    added_by_opco = TrainerFactory()  # another provider's, added by staff in the admin
    session = SessionFactory(provider=provider, status=Session.Status.SUBMITTED)
    session.trainers.set([own, added_by_opco])
    fields, days = _session_fields(session), _session_days(session)

    def save(trainer_ids):
        return session_provider_save(
            provider_id=provider.pk,
            session_id=session.pk,
            fields=fields,
            days=days,
            trainer_ids=trainer_ids,
            by=by,
        )[1]

    # The provider's own choice, or the session's trainers as given back: nothing changes.
    assert save([own.pk]) == ProviderSaveOutcome.UNCHANGED
    assert save([own.pk, added_by_opco.pk]) == ProviderSaveOutcome.UNCHANGED
    assert set(session.trainers.all()) == {own, added_by_opco}
    # Its choice changes its own trainers only.
    assert save([other_own.pk]) == ProviderSaveOutcome.CHANGED
    assert set(session.trainers.all()) == {other_own, added_by_opco}


def test_capacity_below_the_seats_held_is_refused(provider, by):
    session = SessionFactory(provider=provider, capacity=4, min_participants=0)
    EnrolmentFactory.create_batch(3, session=session)

    with pytest.raises(ValidationError) as error:
        session_provider_check(
            provider_id=provider.pk,
            session_id=session.pk,
            fields=_session_fields(session, capacity=2),
            days=_session_days(session),
            trainer_ids=[],
        )

    assert set(error.value.error_dict) == {"capacity"}
    assert not SessionChangeRequest.objects.exists()


def test_every_error_is_given_by_field(provider):
    with pytest.raises(ValidationError) as error:
        session_provider_check(
            provider_id=provider.pk,
            session_id=None,
            fields=_fields(
                postcode="00000",
                min_participants=20,
                registration_deadline=IN_TWO_MONTHS + datetime.timedelta(days=3),
            ),
            days=[
                _day(IN_TWO_MONTHS, morning_start=datetime.time(13, 0)),
                _day(IN_TWO_MONTHS),
            ],
            trainer_ids=[],
        )

    errors = error.value.message_dict
    assert set(errors) == {"postcode", "min_participants", "registration_deadline", "days"}
    # The constraint's own words (one message, whether the service or the database says it).
    assert errors["min_participants"] == ["Le nombre de places doit couvrir le minimum."]
    assert any("deux fois" in message for message in errors["days"])
    assert any("le matin doit commencer avant de finir" in message for message in errors["days"])


def test_no_day_is_refused(provider):
    with pytest.raises(ValidationError) as error:
        session_provider_check(
            provider_id=provider.pk, session_id=None, fields=_fields(), days=[], trainer_ids=[]
        )

    assert set(error.value.error_dict) == {"days"}


def test_cancelled_or_finished_session_is_refused(provider, by):
    cancelled = SessionFactory(provider=provider, status=Session.Status.CANCELLED)
    finished = SessionFactory(provider=provider, starts_in=-10)
    for session in (cancelled, finished):
        with pytest.raises(ValidationError) as error:
            session_provider_save(
                provider_id=provider.pk,
                session_id=session.pk,
                fields=_session_fields(session, label="Autre"),
                days=_session_days(session),
                trainer_ids=[],
                by=by,
            )
        assert NON_FIELD_ERRORS in error.value.error_dict


def _propose_new_days(provider, by, session):
    days = _session_days(session)
    days[0]["morning_start"] = datetime.time(9, 30)
    days[1]["date"] += datetime.timedelta(days=7)
    session_provider_save(
        provider_id=provider.pk,
        session_id=session.pk,
        fields=_session_fields(session, venue_name="Salle Balzac"),
        days=days,
        trainer_ids=[],
        by=by,
    )
    return SessionChangeRequest.objects.get(session=session, status="pending"), days


def test_approval_applies_the_proposal_and_mails_each_trainee_once(provider, by):
    session = SessionFactory(provider=provider)
    confirmed = EnrolmentFactory(session=session)
    pending = EnrolmentFactory(session=session, status=Enrolment.Status.PENDING)
    waitlisted = EnrolmentFactory(
        session=session, status=Enrolment.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    EnrolmentFactory(session=session, status=Enrolment.Status.CANCELLED)
    request, days = _propose_new_days(provider, by, session)
    staff = UserFactory(is_staff=True)

    session_change_approve(request_id=request.pk, by=Actor.staff(staff))

    session.refresh_from_db()
    request.refresh_from_db()
    assert session.venue_name == "Salle Balzac"
    assert [day.date for day in session.sorted_days] == [day["date"] for day in days]
    assert session.sorted_days[0].morning_start == datetime.time(9, 30)
    assert request.status == SessionChangeRequest.Status.APPROVED
    assert request.decided_by == staff
    mails = OutboxMail.objects.filter(kind=MailKind.SESSION_CHANGED)
    assert sorted(mails.values_list("enrolment", flat=True)) == sorted(
        [confirmed.pk, pending.pk, waitlisted.pk]
    )
    assert Transition.objects.filter(session=session, reason__contains="approuvée").exists()

    # Approving again is refused, and mails no one twice.
    with pytest.raises(ValidationError):
        session_change_approve(request_id=request.pk, by=Actor.staff(staff))
    assert mails.count() == 3


def test_approval_rechecks_the_seats_held(provider, by):
    session = SessionFactory(provider=provider, capacity=5, min_participants=0)
    session_provider_save(
        provider_id=provider.pk,
        session_id=session.pk,
        fields=_session_fields(session, capacity=2),
        days=_session_days(session),
        trainer_ids=[],
        by=by,
    )
    request = SessionChangeRequest.objects.get(session=session)
    EnrolmentFactory.create_batch(3, session=session)

    with pytest.raises(ValidationError) as error:
        session_change_approve(request_id=request.pk, by=STAFF)

    assert "capacity" in error.value.error_dict
    request.refresh_from_db()
    session.refresh_from_db()
    assert request.status == SessionChangeRequest.Status.PENDING
    assert session.capacity == 5


def test_rejection_keeps_the_published_values_and_tells_the_providers_members(
    provider, by, member, django_capture_on_commit_callbacks, mailoutbox
):
    session = SessionFactory(provider=provider)
    EnrolmentFactory(session=session)
    request, _ = _propose_new_days(provider, by, session)
    before = [day.date for day in session.sorted_days]

    with django_capture_on_commit_callbacks(execute=True):
        session_change_reject(request_id=request.pk, reason="Salle trop petite.", by=STAFF)

    request.refresh_from_db()
    session.refresh_from_db()
    assert request.status == SessionChangeRequest.Status.REJECTED
    assert request.reason == "Salle trop petite."
    assert [day.date for day in session.sorted_days] == before
    assert not OutboxMail.objects.filter(kind=MailKind.SESSION_CHANGED).exists()
    mail = OutboxMail.objects.get(kind=MailKind.SESSION_CHANGE_REJECTED)
    assert mail.recipient == member.email
    assert mail.note == "Salle trop petite."
    [message] = mailoutbox
    assert message.to == [member.email]
    assert "Salle trop petite." in message.body
    assert f"/espace-organisme/sessions/{session.pk}/" in message.body

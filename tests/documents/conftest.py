"""A finished two-day session (9 h – 12 h 30 and 13 h 30 – 17 h each day) of alice's provider,
with two confirmed trainees whose attendance is recorded, a trainer, and the PDF text reader."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from enrolment.models import Attendance, Enrolment
from tests.factories import (
    EnrolmentFactory,
    ProviderFactory,
    SessionFactory,
    TraineeFactory,
    TrainerFactory,
    UserFactory,
)


def pdf_text(content: bytes) -> str:
    """The text of every page, each run of white space (line breaks, non-breaking spaces) made
    one space."""
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def record(enrolment, *, absent=(), status=Attendance.Status.PRESENT):
    """Marks every half-day of the enrolment's session present, except the (day index,
    "am"/"pm") pairs in `absent`, marked absent."""
    for index, day in enumerate(enrolment.session.sorted_days):
        for half_day in ("am", "pm"):
            Attendance.objects.create(
                enrolment=enrolment,
                day=day,
                half_day=half_day,
                status=Attendance.Status.ABSENT if (index, half_day) in absent else status,
            )


@pytest.fixture
def provider(db):
    return ProviderFactory(
        name="Croix-Rouge française",
        slug="croix-rouge-francaise",
        city="Orléans",
        siret="77567227224553",
    )


@pytest.fixture
def alice(provider):
    user = UserFactory(email="alice@croix-rouge.example.org")
    provider.members.add(user)
    return user


@pytest.fixture
def bob(db):
    user = UserFactory(email="bob@praxis.example.org")
    ProviderFactory(name="PRAXIS", slug="praxis").members.add(user)
    return user


@pytest.fixture
def past_session(provider):
    today = timezone.localdate()
    first = today - datetime.timedelta(days=10)
    session = SessionFactory(
        provider=provider,
        label="Groupe 3",
        city="Orléans",
        venue_name="Maison des associations",
        registration_deadline=first - datetime.timedelta(days=7),
        days=[first, first + datetime.timedelta(days=1)],
    )
    session.trainers.add(
        TrainerFactory(provider=provider, first_name="Chantal", last_name="Formatrice")
    )
    return session


@pytest.fixture
def lea(past_session):
    trainee = TraineeFactory(first_name="Léa", last_name="Bernard")
    enrolment = EnrolmentFactory(session=past_session, trainee=trainee)
    record(enrolment, absent={(1, "am")})
    return enrolment


@pytest.fixture
def hugo(past_session):
    trainee = TraineeFactory(first_name="Hugo", last_name="Petit")
    enrolment = EnrolmentFactory(session=past_session, trainee=trainee)
    record(enrolment)
    return enrolment


@pytest.fixture
def waitlisted(past_session):
    return EnrolmentFactory(
        session=past_session,
        trainee=TraineeFactory(first_name="Inès", last_name="Attente"),
        status=Enrolment.Status.WAITLISTED,
    )

"""One rule decides whether a session takes enrolments: the catalogue's button, the enrolment
form, the service, the "available" filter and the periodic offers all read it. For every state a
session can be in, they give the same answer."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Session
from catalogue.selectors import day_bounds
from enrolment import services
from enrolment.selectors import (
    ClosedReason,
    registration_closed_reason,
    registration_open_q,
    registration_state,
)
from tests.enrolment.helpers import enrol
from tests.factories import EnrolmentFactory, SessionFactory

TODAY = datetime.date(2031, 3, 10)
DAY = datetime.timedelta(days=1)


def _open(**kwargs):
    return SessionFactory(registration_deadline=TODAY + 10 * DAY, days=[TODAY + 30 * DAY], **kwargs)


def _full():
    session = _open(capacity=2, min_participants=1)
    EnrolmentFactory.create_batch(2, session=session)
    return session


# name -> (builder, expected state code, expected closed reason)
STATES = {
    "open": (_open, "open", None),
    "full, waiting list": (_full, "waiting_list", None),
    "deadline today": (
        lambda: SessionFactory(registration_deadline=TODAY, days=[TODAY + 5 * DAY]),
        "open",
        None,
    ),
    "deadline passed": (
        lambda: SessionFactory(registration_deadline=TODAY - DAY, days=[TODAY + 5 * DAY]),
        "closed",
        ClosedReason.DEADLINE_PASSED,
    ),
    "no deadline, first day tomorrow": (
        lambda: SessionFactory(registration_deadline=None, days=[TODAY + DAY]),
        "open",
        None,
    ),
    "no deadline, first day today": (
        lambda: SessionFactory(registration_deadline=None, days=[TODAY]),
        "closed",
        ClosedReason.DEADLINE_PASSED,
    ),
    "published without days": (
        lambda: SessionFactory(registration_deadline=TODAY + 10 * DAY, days=[]),
        "closed",
        ClosedReason.NO_DATES,
    ),
    "draft": (lambda: _open(status=Session.Status.DRAFT), "closed", ClosedReason.NOT_PUBLISHED),
    "submitted": (
        lambda: _open(status=Session.Status.SUBMITTED),
        "closed",
        ClosedReason.NOT_PUBLISHED,
    ),
    "cancelled": (
        lambda: _open(status=Session.Status.CANCELLED, published_at=timezone.now()),
        "cancelled",
        ClosedReason.CANCELLED,
    ),
    "over": (
        lambda: SessionFactory(
            registration_deadline=TODAY - 20 * DAY, days=[TODAY - 5 * DAY, TODAY - 4 * DAY]
        ),
        "past",
        ClosedReason.DEADLINE_PASSED,
    ),
}


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2031, 3, 10, 12, 0, tzinfo=datetime.UTC), tick=False)


def _service_accepts(session) -> bool:
    try:
        enrol(session)
    except services.RegistrationClosed:
        return False
    return True


def _enrol_button_shown(client, session) -> bool:
    response = client.get(session.get_absolute_url())
    if response.status_code == 404:  # not public: no page, no button
        return False
    assert response.status_code == 200
    return reverse("enrolment:enrol", args=[session.pk]) in response.content.decode()


def _form_served(client, session) -> bool:
    response = client.get(reverse("enrolment:enrol", args=[session.pk]))
    return response.status_code == 200 and 'name="consent"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", STATES)
def test_every_reader_of_the_rule_gives_the_same_answer(client, name):
    build, code, reason = STATES[name]
    session = build()
    state = registration_state(session)
    in_sql = (
        Session.objects.annotate(**day_bounds()).filter(registration_open_q(), pk=session.pk)
    ).exists()

    assert (state.code, state.closed_reason) == (code, reason)
    assert registration_closed_reason(session) == reason
    answers = {
        "state": state.can_enrol,
        "sql": in_sql,
        "button": _enrol_button_shown(client, session),
        "form": _form_served(client, session),
        "service": _service_accepts(session),
    }
    assert set(answers.values()) == {reason is None}, answers

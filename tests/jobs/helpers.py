"""Dates, sessions and subscriptions for the periodic jobs' tests. The clock is frozen with
time_machine at moments of Europe/Paris."""

import datetime
from zoneinfo import ZoneInfo

import time_machine

from enrolment.models import ReminderSubscription
from outbox.models import OutboxMail
from tests.factories import SessionFactory

PARIS = ZoneInfo("Europe/Paris")
# A session in the future of any run of these tests, so that the factories' defaults agree.
DEADLINE = datetime.date(2031, 3, 20)
FIRST_DAY = datetime.date(2031, 4, 10)
LAST_DAY = datetime.date(2031, 4, 11)


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def frozen(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def session(**kwargs):
    """A published session: deadline DEADLINE, two days FIRST_DAY and LAST_DAY, 12 seats,
    minimum 6, an OPCO contact and a provider with an e-mail."""
    kwargs.setdefault("registration_deadline", DEADLINE)
    kwargs.setdefault("days", [FIRST_DAY, LAST_DAY])
    return SessionFactory(**kwargs)


def subscription(session, email, *, confirmed_at=None, unsubscribed_at=None):
    return ReminderSubscription.objects.create(
        session=session,
        email=email,
        confirmed_at=confirmed_at,
        unsubscribed_at=unsubscribed_at,
    )


def mails(kind=None):
    rows = OutboxMail.objects.all()
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows


def recipients(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)

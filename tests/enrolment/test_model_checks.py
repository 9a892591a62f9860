"""enrolment.model_checks evaluates the simple check constraints in Python: it must give the
database's answer (Django's query per constraint) for every value a row may hold."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CheckConstraint, F, Q
from django.test.utils import CaptureQueriesContext

from catalogue.models import Session, SessionDay
from enrolment.model_checks import _evaluate, _field_values, _Unsupported, validate_constraints

pytestmark = pytest.mark.django_db

T = datetime.time


def _check_constraints(model):
    return [c for c in model._meta.constraints if isinstance(c, CheckConstraint)]


def _answers(instance, model):
    """Each check constraint: the database's verdict and this module's."""
    values = _field_values(instance, model, set())
    for constraint in _check_constraints(model):
        against = instance._get_field_expression_map(meta=model._meta)
        database = constraint.condition.check(against)
        python = _evaluate(constraint.condition, values) is not False
        yield constraint.name, database, python


HALF_DAY_TIMES = [None, T(9), T(12, 30), T(13, 30), T(17)]


@pytest.mark.parametrize("times", list(itertools.product(HALF_DAY_TIMES, repeat=4))[::7])
def test_day_constraints_agree_with_the_database(times):
    day = SessionDay(
        date=datetime.date(2031, 10, 24),
        **dict(
            zip(
                ("morning_start", "morning_end", "afternoon_start", "afternoon_end"),
                times,
                strict=True,
            )
        ),
    )
    for name, database, python in _answers(day, SessionDay):
        assert python == database, (name, times)


@pytest.mark.parametrize(
    ("capacity", "minimum", "status"),
    [
        (12, 6, "published"),
        (6, 12, "draft"),
        (0, 0, "submitted"),
        (5, -1, "cancelled"),
        (5, 2, "unknown"),
    ],
)
def test_session_constraints_agree_with_the_database(capacity, minimum, status):
    session = Session(capacity=capacity, min_participants=minimum, status=status)
    for name, database, python in _answers(session, Session):
        assert python == database, name


def test_a_failing_constraint_gives_the_models_message_without_a_query():
    day = SessionDay(date=datetime.date(2031, 10, 24), morning_start=T(12), morning_end=T(9))
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as error:
        validate_constraints(day, exclude={"session"})
    assert len(queries) == 0
    assert any("matin" in message for message in error.value.messages)


# Synthetic conditions where Python's answer could differ from the database's: an F() operand
# that is None (a NULL column, not IS NULL), `pk`, texts ordered by the database's collation,
# `in` lists with None.
TRICKY_CONDITIONS = [
    Q(capacity=F("min_participants")),
    ~Q(capacity=F("min_participants")),
    Q(capacity__gte=F("min_participants")),
    Q(capacity__in=[F("min_participants"), 12]),
    ~Q(capacity__in=[F("min_participants"), 12]),
    Q(capacity__in=[None, 12]),
    ~Q(capacity__in=[None, 12]),
    Q(capacity=None),
    ~Q(capacity=None),
    Q(pk__gt=10),
    Q(capacity__lt=F("pk")),
    Q(label__lt="b"),
    Q(label__gte=F("city")),
]
TRICKY_ROWS = [
    {"pk": None, "capacity": 12, "min_participants": None, "label": "B", "city": "a"},
    {"pk": 3, "capacity": None, "min_participants": None, "label": "a", "city": "B"},
    {"pk": 20, "capacity": 5, "min_participants": 5, "label": "é", "city": "f"},
    {"pk": 20, "capacity": 5, "min_participants": 6, "label": "b", "city": "b"},
    {"pk": 4, "capacity": None, "min_participants": 12, "label": "Z", "city": "a"},
]


def _refused(check, *args) -> bool:
    try:
        check(*args)
    except ValidationError:
        return True
    return False


@pytest.mark.parametrize("row", TRICKY_ROWS)
def test_tricky_conditions_agree_with_djangos_query(row):
    for index, condition in enumerate(TRICKY_CONDITIONS):
        constraint = CheckConstraint(condition=condition, name=f"tricky_{index}")
        session = Session(**row)
        session.get_constraints = lambda constraint=constraint: [(Session, [constraint])]
        database = _refused(constraint.validate, Session, session)
        python = _refused(validate_constraints, session)
        assert python == database, (condition, row)


def test_tricky_conditions_are_answered_in_python_or_left_to_the_query():
    values = _field_values(
        Session(pk=3, capacity=12, min_participants=None, label="B", city="a"), Session, set()
    )
    # A NULL column compared: unknown (the constraint holds), without a query.
    assert _evaluate(Q(capacity=F("min_participants")), values) is None
    assert _evaluate(~Q(capacity=F("min_participants")), values) is None
    assert _evaluate(Q(capacity__in=[F("min_participants"), 5]), values) is None
    # Django's "= None" is IS NULL.
    assert _evaluate(Q(min_participants=None), values) is True
    # `pk` and ordered texts: the database answers.
    for condition in (Q(pk__gt=10), Q(capacity__lt=F("pk")), Q(label__lt="b")):
        with pytest.raises(_Unsupported):
            _evaluate(condition, values)

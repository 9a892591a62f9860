"""Property-based tests: whatever is typed into the public forms, the personal links, the
providers' and the admin's logins and the admin's session and provider pages, and whatever
the services behind them are given (any text, any Unicode, any length, any date from year 1 to
9999, any integer), the answer is a form error or a success: never an exception (the test
client raises the view's), never a half-saved row.

The examples of a test share its database transaction: each one runs in a savepoint rolled
back after it (`_rolled_back`), so that none sees another's rows, and counts the rows before and
after to check what it wrote, or that it wrote nothing. Rate limits and lockouts count per IP
address, so each request comes from an address of its own. The profile (tests/conftest.py)
keeps the examples few and the same on every run."""

import functools
import itertools
from urllib.parse import quote

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import DataError, connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from catalogue.models import Provider, Session, SessionDay, Trainer
from enrolment import links, reminder_links, services
from enrolment.models import Employer, Enrolment, ReminderSubscription, Trainee, Transition
from enrolment.selectors import seats_held
from enrolment.session_services import session_change, session_check, session_create
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from tests.admin.formdata import admin_form_data
from tests.enrolment.helpers import employer_data, form_data, practice_declaration, trainee_data
from tests.factories import (
    EnrolmentFactory,
    ModuleFactory,
    OpcoContactFactory,
    PrerequisiteModuleFactory,
    ProviderFactory,
    SessionFactory,
    TraineeFactory,
    TrainerFactory,
    UserFactory,
)

from .strategies import (
    date_inputs,
    dates,
    emails,
    form_counts,
    int_inputs,
    service_emails,
    service_texts,
    signed_tokens,
    texts,
    time_inputs,
)

pytestmark = pytest.mark.django_db

WATCHED = (
    Trainee,
    Employer,
    Enrolment,
    Transition,
    OutboxMail,
    ReminderSubscription,
    Session,
    SessionDay,
    Provider,
    Trainer,
    LogEntry,
)
PASSWORD = "mot-de-passe-solide-42"
_addresses = itertools.count(1)


def _rolled_back(test):
    """Run each example in a savepoint, undone once the example has been checked."""

    @functools.wraps(test)
    def example(*args, **kwargs):
        with transaction.atomic():
            test(*args, **kwargs)
            transaction.set_rollback(True)

    return example


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WATCHED}


def _grown(before, after) -> dict[str, int]:
    """The tables that gained rows, and by how many."""
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def _request(client, method, url, data=None):
    """The response, from an IP address of its own. In a savepoint: on PostgreSQL, a failed
    query would abort the test's transaction, and every example after it."""
    number = next(_addresses)
    address = f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
    with transaction.atomic():
        response = getattr(client, method)(url, data or {}, REMOTE_ADDR=address)
    event(f"answered {response.status_code}")  # --hypothesis-show-statistics
    return response


def _form_errors(response):
    form = (response.context or {}).get("form")
    return form.errors if form is not None else None


def _overrides(values: dict[str, st.SearchStrategy], max_size=4):
    """A few of the fields, each with a value from its strategy."""
    pairs = st.one_of(*(st.tuples(st.just(name), value) for name, value in values.items()))
    return st.lists(pairs, max_size=max_size).map(dict)


def _full_clean(*rows):
    for row in rows:
        row.full_clean()


# The enrolment form and its service.

ENROLMENT_FORM_VALUES = {
    "civility": texts,
    "first_name": texts,
    "last_name": texts,
    "email": emails,
    "phone": texts,
    "job": st.sampled_from(["ass", "autre", "zzz"]) | texts,
    "job_other": texts,
    "diploma_level": texts,
    "employer_name": texts,
    "siret": texts,
    "postcode": texts,
    "city": texts,
    "opco_member_number": texts,
    "employer_contact_name": texts,
    "employer_contact_email": emails,
    "prerequisite_basis": st.sampled_from(["module", "practice", ""]) | texts,
    "prerequisite_module_when": texts,
    "prerequisite_module_provider": texts,
    "prerequisite_practice": texts,
    "disability_needs": texts,
    "consent": texts,
    "site_internet": st.just("") | texts,
}


@pytest.fixture
def prerequisite_session(db):
    """Every field of the form is shown: the module has a prerequisite."""
    return SessionFactory(module=PrerequisiteModuleFactory(), capacity=500)


def _check_enrolment_written(before, after):
    """One enrolment, whole: its trainee, employer, transition and mail."""
    grown = _grown(before, after)
    assert grown.get("Enrolment") == 1, grown
    assert grown.get("Transition") == 1, grown
    assert set(grown) <= {"Enrolment", "Transition", "OutboxMail", "Trainee", "Employer"}, grown
    enrolment = Enrolment.objects.select_related("trainee", "employer").latest("pk")
    _full_clean(enrolment, enrolment.trainee, enrolment.employer)
    assert enrolment.status == Enrolment.Status.UNCONFIRMED


@given(overrides=_overrides(ENROLMENT_FORM_VALUES))
@_rolled_back
def test_enrolment_form_answers_a_form_error_or_enrols(prerequisite_session, overrides):
    url = reverse("enrolment:enrol", args=[prerequisite_session.pk])
    data = form_data(**{**practice_declaration(), **overrides})
    before = _counts()

    response = _request(Client(), "post", url, data)

    after = _counts()
    if response.status_code == 302:
        # Enrolled, or an address already enrolled (its link is mailed again), or the
        # honeypot (nothing written).
        if after["Enrolment"] != before["Enrolment"]:
            _check_enrolment_written(before, after)
        else:
            assert set(_grown(before, after)) <= {"OutboxMail"}
    else:
        assert response.status_code in (200, 400), response.status_code  # 400: a NUL byte
        assert response.status_code == 400 or _form_errors(response)
        assert after == before


TRAINEE_VALUES = {
    **dict.fromkeys(services.IDENTITY_FIELDS, service_texts),
    "email": service_emails,
    "job": st.sampled_from(["ass", "autre"]) | service_texts,
}
EMPLOYER_VALUES = dict.fromkeys(services.EMPLOYER_FIELDS, service_texts)
ENROLMENT_VALUES = dict.fromkeys(services.ENROLMENT_FIELDS, service_texts) | {
    "employer_contact_email": service_emails,
    "prerequisite_basis": st.sampled_from(["module", "practice"]) | service_texts,
}


@pytest.fixture
def known_trainee(db):
    """An address already known: the identity typed waits for its owner's confirmation."""
    return TraineeFactory(email="deja.connue@ccas.example.org")


@given(
    trainee=_overrides(TRAINEE_VALUES),
    employer=_overrides(EMPLOYER_VALUES, max_size=3),
    declaration=_overrides(ENROLMENT_VALUES, max_size=3),
    known=st.booleans(),
    consent=st.booleans(),
)
@_rolled_back
def test_enrolment_create_and_confirm_enrol_whole_or_refuse(
    prerequisite_session, known_trainee, trainee, employer, declaration, known, consent
):
    """The service refuses with a ValidationError and writes nothing, or enrols; the address's
    owner then confirms, and the identity typed becomes the trainee's."""
    if known:
        trainee.setdefault("email", known_trainee.email)
    before = _counts()
    try:
        result = services.enrolment_create(
            session_id=prerequisite_session.pk,
            trainee_data=trainee_data(**trainee),
            employer_data=employer_data(**employer),
            enrolment_data={**practice_declaration(), **declaration},
            consent=consent,
            by=Actor.trainee(),
        )
    except ValidationError:
        event("refused")
        assert _counts() == before
        return
    event("enrolled" if result.created else "already enrolled")
    assert consent
    if not result.created:
        return  # the address had an enrolment in this session: nothing but a mail
    _check_enrolment_written(before, _counts())

    enrolment = services.enrolment_confirm(enrolment_id=result.enrolment.pk)

    assert enrolment.status != Enrolment.Status.UNCONFIRMED
    _full_clean(Trainee.objects.get(pk=enrolment.trainee_id))


# The personal links.

TOKEN_PAGES = {
    "enrolment:detail": [links.SALT],
    "enrolment:done": [links.SALT],
    "enrolment:cancel": [links.SALT],
    "enrolment:accept_offer": [links.SALT],
    "enrolment:calendar": [links.SALT],
    "enrolment:satisfaction": [links.SALT],
    "enrolment:confirm": [links.CONFIRM_SALT],
    "enrolment:reminder_confirm": [reminder_links.CONFIRM_SALT],
    "enrolment:reminder_unsubscribe": [reminder_links.UNSUBSCRIBE_SALT],
}
ALL_SALTS = sorted({salt for salts in TOKEN_PAGES.values() for salt in salts} | {"autre"})


@pytest.fixture
def linked_rows(db):
    """Rows for the signed ids to find (ids 1, 2, 3...)."""
    session = SessionFactory()
    past = SessionFactory(starts_in=-10)
    enrolments = [
        EnrolmentFactory(session=session),
        EnrolmentFactory(session=session, status=Enrolment.Status.UNCONFIRMED),
        EnrolmentFactory(session=session, status=Enrolment.Status.WAITLISTED),
        EnrolmentFactory(session=past),
    ]
    ReminderSubscription.objects.create(email="rappel@example.org", session=session)
    return enrolments


@given(
    name=st.sampled_from(sorted(TOKEN_PAGES)),
    token=st.one_of(
        texts,
        signed_tokens(ALL_SALTS, st.integers(min_value=-3, max_value=6)),
        signed_tokens(ALL_SALTS, st.integers()),
    ),
    method=st.sampled_from(["get", "post"]),
)
@_rolled_back
def test_personal_link_pages_answer_the_page_or_a_bad_link(linked_rows, name, token, method):
    # reverse() cannot build a path whose token holds a slash or is empty: a browser can.
    url = reverse(name, args=["TOKEN"]).replace("TOKEN", quote(token, safe=""))
    before = _counts()

    response = _request(Client(), method, url)

    assert response.status_code in (200, 302, 400, 404, 405, 410), response.status_code
    if method == "get":
        assert _counts() == before


# The forms that only ask for an address.


@pytest.fixture
def open_session(db):
    session = SessionFactory()
    EnrolmentFactory(session=session, trainee__email="deja.inscrite@ccas.example.org")
    return session


EMAIL_FORMS = {
    "enrolment:reminder_subscribe": {"OutboxMail", "ReminderSubscription"},
    "enrolment:received": {"OutboxMail"},
    "enrolment:link_request": {"OutboxMail"},
}


@pytest.mark.parametrize("name", sorted(EMAIL_FORMS))
@given(
    email=st.one_of(emails, st.just("deja.inscrite@ccas.example.org")),
    honeypot=st.just("") | texts,
)
@_rolled_back
def test_address_forms_answer_a_form_error_or_the_same_page(open_session, name, email, honeypot):
    args = [] if name == "enrolment:link_request" else [open_session.pk]
    before = _counts()

    response = _request(
        Client(), "post", reverse(name, args=args), {"email": email, "site_internet": honeypot}
    )

    grown = _grown(before, _counts())
    if response.status_code == 302:
        assert set(grown) <= EMAIL_FORMS[name], grown
        assert grown.get("ReminderSubscription", 0) <= 1
    else:
        assert response.status_code in (200, 400), response.status_code
        assert response.status_code == 400 or _form_errors(response)
        assert not grown


# The logins.


@pytest.fixture
def member(db):
    user = UserFactory(email="membre@organisme.example.org")
    ProviderFactory().members.add(user)
    return user


@pytest.mark.parametrize("name", ["providers:login", "admin:login"])
@given(
    username=st.one_of(emails, st.just("membre@organisme.example.org")),
    password=st.one_of(texts, st.just(PASSWORD)),
    next_url=st.just("") | texts,
)
@_rolled_back
def test_logins_answer_a_form_error_or_log_in(member, name, username, password, next_url):
    data = {"username": username, "password": password, "next": next_url}

    response = _request(Client(), "post", reverse(name), data)

    # 429 and 403: a lockout, for an address tried too often (whatever was typed).
    assert response.status_code in (200, 302, 400, 403, 429), response.status_code
    if response.status_code == 200:
        assert _form_errors(response)


# The admin's session and provider pages, posted by OPCO staff.

SESSION_FORM_VALUES = {
    **dict.fromkeys(
        (
            "label",
            "city",
            "venue_name",
            "venue_address",
            "postcode",
            "department",
            "region",
            "access_notes",
            "context",
            "objectives",
            "prerequisites",
            "inter_session_work",
            "days-0-title",
            "days-1-content",
        ),
        texts,
    ),
    **dict.fromkeys(("registration_deadline", "days-0-date", "days-1-date"), date_inputs),
    **dict.fromkeys(("days-0-morning_start", "days-1-afternoon_end"), time_inputs),
    **dict.fromkeys(
        (
            "capacity",
            "min_participants",
            "module",
            "provider",
            "opco_contact",
            "trainers",
            "days-0-id",
            "days-1-session",
        ),
        int_inputs,
    ),
    **dict.fromkeys(("days-TOTAL_FORMS", "days-INITIAL_FORMS"), form_counts),
}


def _session_state(session_id):
    session = Session.objects.filter(pk=session_id)
    return (
        list(session.values()),
        list(SessionDay.objects.filter(session=session_id).order_by("pk").values()),
        sorted(session.values_list("trainers", "partners")),
    )


def _check_session_valid(session_id):
    session = Session.objects.get(pk=session_id)
    days = list(session.days.all())
    _full_clean(session, *days)
    session_check(
        status=session.status,
        deadline=session.registration_deadline,
        dates=[day.date for day in days],
    )
    assert seats_held(session) <= session.capacity


@pytest.fixture
def busy_session(db):
    session = SessionFactory(capacity=3, min_participants=1)
    EnrolmentFactory.create_batch(2, session=session)
    EnrolmentFactory(session=session, status=Enrolment.Status.WAITLISTED)
    return session


def _page(client, name, *args):
    """The URL of an admin page, and the POST that saves it unchanged (read once: each example
    is undone, so the page stays the same)."""
    url = reverse(name, args=args)
    return url, admin_form_data(client.get(url))


@pytest.fixture
def session_page(staff_client, busy_session):
    return _page(staff_client, "admin:catalogue_session_change", busy_session.pk)


@given(overrides=_overrides(SESSION_FORM_VALUES))
@_rolled_back
def test_admin_session_page_saves_a_valid_session_or_nothing(
    staff_client, busy_session, session_page, overrides
):
    url, data = session_page
    before = _session_state(busy_session.pk)
    counts = _counts()

    response = _request(staff_client, "post", url, {**data, **overrides})

    # 302: saved, or a rule broken under the lock (the page then says why, nothing saved).
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        _check_session_valid(busy_session.pk)
    else:
        assert _session_state(busy_session.pk) == before
        assert _counts() == counts


@pytest.fixture
def add_page(staff_client):
    return _page(staff_client, "admin:catalogue_session_add")


@pytest.fixture
def new_session_data(db):
    """The add page's fields, filled in: a valid session with a day."""
    return {
        "module": ModuleFactory().pk,
        "provider": ProviderFactory().pk,
        "opco_contact": OpcoContactFactory().pk,
        "label": "Groupe 1",
        "city": "Tours",
        "postcode": "37000",
        "department": "37",
        "region": "Centre-Val de Loire",
        "capacity": "12",
        "min_participants": "6",
        "registration_deadline": "2030-01-10",
        "days-0-date": "2030-02-01",
        "days-0-morning_start": "09:00",
        "days-0-morning_end": "12:00",
    }


@given(overrides=_overrides(SESSION_FORM_VALUES))
@_rolled_back
def test_admin_session_add_page_adds_a_valid_session_or_nothing(
    staff_client, add_page, new_session_data, overrides
):
    url, data = add_page
    before = _counts()

    response = _request(staff_client, "post", url, {**data, **new_session_data, **overrides})

    assert response.status_code in (200, 302, 400), response.status_code
    grown = _grown(before, _counts())
    if response.status_code == 302 and "Session" in grown:
        assert grown["Session"] == 1
        _check_session_valid(Session.objects.latest("pk").pk)
    else:
        assert not grown


PROVIDER_FORM_VALUES = {
    **dict.fromkeys(
        (
            "name",
            "slug",
            "siret",
            "website",
            "address",
            "postcode",
            "city",
            "phone",
            "disability_contact_name",
            "disability_contact_phone",
            "trainers-0-first_name",
            "trainers-0-last_name",
            "trainers-0-role",
        ),
        texts,
    ),
    "email": emails,
    "disability_contact_email": emails,
    **dict.fromkeys(("members", "trainers-0-id"), int_inputs),
    **dict.fromkeys(("trainers-TOTAL_FORMS", "trainers-INITIAL_FORMS"), form_counts),
}


@pytest.fixture
def provider(db):
    provider = ProviderFactory()
    TrainerFactory(provider=provider)
    return provider


@pytest.fixture
def provider_page(staff_client, provider):
    return _page(staff_client, "admin:catalogue_provider_change", provider.pk)


@given(overrides=_overrides(PROVIDER_FORM_VALUES))
@_rolled_back
def test_admin_provider_page_saves_a_valid_provider_or_nothing(
    staff_client, provider, provider_page, overrides
):
    url, data = provider_page
    if any(name.startswith("trainers-0-") for name in overrides):
        data = {**data, "trainers-0-provider": provider.pk}
    counts = _counts()

    response = _request(staff_client, "post", url, {**data, **overrides})

    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        provider.refresh_from_db()
        _full_clean(provider, *provider.trainers.all())
    else:
        assert _counts() == counts


# The session lifecycle's services.

SESSION_TEXTS = (
    "label",
    "city",
    "venue_name",
    "venue_address",
    "postcode",
    "department",
    "region",
    "access_notes",
    "context",
    "objectives",
    "prerequisites",
    "inter_session_work",
)
SESSION_VALUES = {
    **dict.fromkeys(SESSION_TEXTS, service_texts),
    "registration_deadline": st.none() | dates,
    "capacity": st.integers(),
    "min_participants": st.integers(),
}
maybe_times = st.none() | st.times()
day_values = st.fixed_dictionaries(
    {"date": st.none() | dates},
    optional={
        "morning_start": maybe_times,
        "morning_end": maybe_times,
        "afternoon_start": maybe_times,
        "afternoon_end": maybe_times,
        "title": service_texts,
        "content": service_texts,
    },
)


def _valid_fields():
    return {
        "module": ModuleFactory(),
        "provider": ProviderFactory(),
        "label": "Groupe 1",
        "city": "Tours",
        "postcode": "37000",
        "department": "37",
        "region": "Centre-Val de Loire",
        "capacity": 12,
        "min_participants": 0,
    }


@given(fields=_overrides(SESSION_VALUES), days=st.lists(day_values, max_size=3))
@_rolled_back
def test_session_create_creates_a_valid_session_or_nothing(fields, days):
    fields = {**_valid_fields(), **fields}
    before = _counts()
    try:
        session = session_create(fields=fields, days=days, by=Actor.job("tests"))
    except (ValidationError, services.EnrolmentError):
        event("refused")
        assert _counts() == before
    else:
        event("created")
        _check_session_valid(session.pk)


@given(
    fields=_overrides(SESSION_VALUES),
    days=st.none() | st.lists(day_values, max_size=3),
)
@_rolled_back
def test_session_change_saves_a_valid_session_or_nothing(busy_session, fields, days):
    before = _session_state(busy_session.pk)
    counts = _counts()
    try:
        session_change(session_id=busy_session.pk, fields=fields, days=days, by=Actor.job("tests"))
    except (ValidationError, services.EnrolmentError):
        event("refused")
        assert _session_state(busy_session.pk) == before
        assert _counts() == counts
    else:
        event("changed")
        _check_session_valid(busy_session.pk)


# Left to the work on NUL bytes, which answers 400 to a request that carries one: a service given
# one directly (the demo loader, a command, a future caller) does not refuse it with a
# ValidationError. PostgreSQL then refuses the query or the row (DataError); SQLite stores a
# session label with it. The property tests above leave NUL out of what they give the services.
NUL_LEFT = pytest.mark.xfail(
    strict=True, raises=(DataError, pytest.fail.Exception), reason="NUL bytes in services"
)


@pytest.mark.xfail(
    connection.vendor == "postgresql", strict=True, raises=DataError, reason="NUL bytes"
)
def test_enrolment_create_refuses_a_nul_byte_in_an_address(prerequisite_session):
    with pytest.raises(ValidationError):
        services.enrolment_create(
            session_id=prerequisite_session.pk,
            trainee_data=trainee_data(email="lea\x00@ccas.example.org"),
            employer_data=employer_data(),
            enrolment_data=practice_declaration(),
            consent=True,
            by=Actor.trainee(),
        )


@NUL_LEFT
def test_session_create_refuses_a_nul_byte_in_a_label():
    with pytest.raises(ValidationError):
        session_create(fields={**_valid_fields(), "label": "Groupe\x001"}, by=Actor.job("tests"))

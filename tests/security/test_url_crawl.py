"""Every URL of the site, read from the URL resolver (the admin's included), requested with odd
path segments and odd query strings by four people: an anonymous visitor, a trainee with their
personal link, a provider's member and an OPCO staff member. None answers 5xx nor raises.

Each pattern is requested with real values (an existing row's id, a real token), then with a
few odd values in each parameter, then with a few odd query strings of its kind of page: a
different few for each pattern, so that across the patterns every odd value is tried while the
whole crawl stays under half a minute. Staff also try odd values in every filter and date
drill-down of the admin's lists, read from each list page. The trainee, logged out like the
anonymous visitor, crawls the pages their personal links open."""

import dataclasses
import logging
import re
import traceback
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from accounts.tokens import user_uidb64
from enrolment import links, reminder_links

from .world import world_build

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "trainee", "member", "staff")

HUGE_INT = "9" * 30
LONG = "x" * 3000
UNICODE = quote("Éloïse-\u202e-ß-\u4e2d-\U0001f600")
INVALID_UTF8 = "%ED%A0%80%FF"  # a UTF-16 surrogate, then a byte that is never UTF-8

# Odd values for a path parameter, by converter.
ODD_SEGMENTS = {
    "int": ["0", "2147483648", HUGE_INT],
    "str": ["..", UNICODE, LONG, INVALID_UTF8],
    "slug": ["0", "--", LONG],
    "path": ["..", "0", HUGE_INT, "1/../2", UNICODE, LONG],
    "choice": ["zzz"],
    "regex": ["..", f"{LONG}/"],
}
# Tokens that look right and are not: signed with the wrong salt, or carrying no enrolment id.
ODD_TOKENS = [
    "MQ:1tXyZa:" + "A" * 43,
    signing.dumps(2**63, salt=links.SALT),
    signing.dumps(True, salt=links.SALT),
    signing.dumps(-1, salt=links.CONFIRM_SALT),
    signing.dumps(10**30, salt=reminder_links.CONFIRM_SALT),
    signing.dumps("1", salt=reminder_links.UNSUBSCRIBE_SALT),
]

COMMON_QUERIES = [
    "page=-1",
    "page=abc",
    f"page={HUGE_INT}",
    "p=-1",
    "q=" + "x" * 5000,
    f"q={INVALID_UTF8}",
    "next=//evil.example/",
]
# The catalogue's filters are validated together: each request carries several odd ones.
CATALOGUE_QUERIES = [
    "month=9999-99&page=-1&available=maybe",
    f"month=0001-01&page={HUGE_INT}&q=" + "x" * 5000,
    "month=9999-12&module=zzz&provider=zzz&region=zzz&department=999",
    f"month={'1' * 200}&module={UNICODE}&provider={LONG}&page=abc",
    "city=" + "é" * 5000 + f"&q={INVALID_UTF8}",
    "region=84&department=75&available=on&page=2",
]
LOGIN_QUERIES = ["next=//evil.example/", f"next={LONG}", "next=javascript:alert(1)"]
ADMIN_LIST_QUERIES = [
    "o=999",
    "o=-999.abc.0",
    "o=" + ".".join(["1"] * 200),
    "p=-1",
    "p=abc",
    f"p={HUGE_INT}",
    "all=&q=" + "x" * 5000,
    f"q={UNICODE}&_facets=1",
    "_to_field=password",
    "_popup=1&_to_field=id",
    "e=1",
    "id__exact=abc",
    f"pk={HUGE_INT}",
    "no_such_field__exact=1",
    "password__startswith=md5",
]
ADMIN_FORM_QUERIES = [
    "_changelist_filters=" + quote(f"o=999&p=-1&q={LONG}"),
    "_to_field=password",
    "_popup=1",
    "_saveasnew=1",
]
AUTOCOMPLETE_ODD = [
    "term=" + "x" * 5000,
    f"term={UNICODE}&page=-1",
    f"page={HUGE_INT}",
    "page=abc",
]
AUTOCOMPLETE_WRONG = [
    "",
    "app_label=zzz&model_name=zzz&field_name=zzz",
    "app_label=catalogue&model_name=session&field_name=label",
    "app_label=accounts&model_name=user&field_name=password",
]
CATALOGUE_LISTS = {"catalogue:session_list", "catalogue:archives"}
# A drill-down into the admin's dates: year 9999 has no next year, month 13 no first day.
DATE_DRILLDOWNS = [
    "{f}__year=9999&{f}__month=12&{f}__day=31",
    "{f}__year=9999&{f}__month=12",
    "{f}__year=9999",
    "{f}__year=0",
    "{f}__year=10000&{f}__month=13&{f}__day=32",
    "{f}__year=abc&{f}__month=-1",
    f"{{f}}__year={HUGE_INT}",
    "{f}__gte=9999-99-99",
]
FILTER_VALUES = ["zzz", HUGE_INT, "-1"]


@dataclasses.dataclass(frozen=True)
class Route:
    name: str  # "enrolment:detail", "admin:catalogue_session_changelist", "admin:" for unnamed
    pieces: tuple  # the patterns from the root
    model: type | None  # the model of an admin page

    @property
    def params(self) -> list[tuple[str, str]]:
        """(name, converter) of each parameter, in order."""
        found = []
        for piece in self.pieces:
            if isinstance(piece, RoutePattern):
                matches = _PARAM.finditer(piece._route)
                found += [(m["name"], m["converter"] or "str") for m in matches]
            else:
                for m in _GROUP.finditer(piece._regex):
                    converter = "choice" if re.fullmatch(r"[\w|]+", m["body"]) else "regex"
                    found.append((m["name"], converter))
        return found

    def path(self, values: dict[str, str]) -> str:
        parts = []
        for piece in self.pieces:
            if isinstance(piece, RoutePattern):
                parts.append(_PARAM.sub(lambda m: values[m["name"]], piece._route))
            else:
                regex = piece._regex.removeprefix("^").removesuffix("$")
                parts.append(_GROUP.sub(lambda m: values[m["name"]], regex))
        return "/" + "".join(parts)


_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


# The admin includes each model's pages under "<app_label>/<model_name>/".
_ADMIN_MODELS = {
    f"{model._meta.app_label}/{model._meta.model_name}/": model for model in admin.site._registry
}


def _routes(patterns, pieces=(), namespace="", model=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            route = str(entry.pattern)
            yield from _routes(
                entry.url_patterns,
                (*pieces, entry.pattern),
                inner,
                _ADMIN_MODELS.get(route, model),
            )
        else:
            yield Route(f"{namespace}{entry.name or ''}", (*pieces, entry.pattern), model)


ROUTES = list(_routes(get_resolver().url_patterns))


def _choices(route, name):
    for piece in route.pieces:
        if not isinstance(piece, RoutePattern):
            for m in _GROUP.finditer(piece._regex):
                if m["name"] == name:
                    return m["body"].split("|")
    return []


def _real_values(route, role, world) -> dict[str, str]:
    """The parameters of a page that exists: ids of real rows, the trainee's real tokens."""
    tokens = world.tokens()
    values = {}
    for name, converter in route.params:
        if converter == "choice":
            value = _choices(route, name)[0]
        elif converter == "regex":
            value = "nowhere/"
        elif name == "token":
            value = tokens[route.name] if role != "anonymous" else "lien-inconnu"
        elif name == "slug":
            value = (
                world.session.module.slug
                if route.name == "catalogue:module_detail"
                else world.session.provider.slug
            )
        elif name == "pk":
            value = world.pending.pk if "enrolment_" in route.name else world.session.pk
        elif name == "enrolment_pk":  # a document of a trainee of `world.session`
            value = world.enrolment.pk
        elif name == "content_type_id":
            value = ContentType.objects.get_for_model(world.session).pk
        elif name == "id":  # the admin's password change of a user
            value = world.member.pk
        elif name == "uidb64":  # the invitation's and the password reset's links
            value = user_uidb64(world.member)
        elif name == "object_id":
            model = route.model or type(world.session)
            row = model._default_manager.order_by("pk").first()
            value = row.pk if row is not None else 1
        else:
            raise AssertionError(f"No real value for {name} in {route}")
        values[name] = str(value)
    return values


def _autocomplete_queries() -> list[str]:
    """Each field the admin searches with a box, then odd searches and pages in it."""
    queries = list(AUTOCOMPLETE_WRONG)
    fields = [
        f"app_label={model._meta.app_label}&model_name={model._meta.model_name}&field_name={name}"
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.autocomplete_fields
    ]
    for index, field in enumerate(fields):
        queries += [field] + [f"{field}&{odd}" for odd in _pick(AUTOCOMPLETE_ODD, index, 2)]
    return queries


def _pick(values, index, count):
    """`count` of `values`, a different few for each index, so that across the patterns every
    value is tried while each pattern is requested only a few times."""
    if len(values) <= count:
        return list(values)
    return [values[(index * count + offset) % len(values)] for offset in range(count)]


def _queries(route, role, index) -> list[str]:
    name = route.name
    if name.startswith("admin:") and role != "staff":
        return []  # the admin sends them to its login page
    if name in CATALOGUE_LISTS:
        return CATALOGUE_QUERIES
    if name in ("providers:login", "admin:login"):
        return LOGIN_QUERIES
    if name == "admin:autocomplete":
        return _autocomplete_queries()
    if name.endswith("_changelist"):
        return _pick(ADMIN_LIST_QUERIES, index, 4)
    if name.endswith(("_change", "_add")):
        return _pick(ADMIN_FORM_QUERIES, index, 1)
    if name.startswith("admin:"):
        return []
    return _pick(COMMON_QUERIES, index, 2)


def _list_queries(response, index) -> list[str]:
    """Odd values for the filters and the date drill-down of an admin list page."""
    changelist = (response.context or {}).get("cl")
    if changelist is None:
        return []
    queries = []
    for spec in changelist.filter_specs:
        for parameter in spec.expected_parameters():
            queries += [f"{parameter}={value}" for value in _pick(FILTER_VALUES, index, 1)]
            index += 1
    field = changelist.date_hierarchy
    if field:
        queries += [drilldown.format(f=field) for drilldown in DATE_DRILLDOWNS]
    return queries


def _odd_count(route, role) -> int:
    """How many odd values each parameter of a pattern gets."""
    if not route.name.startswith("admin:"):
        return 4
    # Every admin page is the login page to whoever is not staff; the model pages share
    # Django's code, so each tries two of the odd values (all of them, across the models).
    return 2 if role == "staff" else 0


def _urls(route, role, world, index):
    real = _real_values(route, role, world)
    base = route.path(real)
    yield base, ""
    for name, converter in route.params:
        odd = ODD_SEGMENTS[converter] + (ODD_TOKENS if name == "token" else [])
        for value in _pick(odd, index, _odd_count(route, role)):
            yield route.path({**real, name: value}), ""
    for query in _queries(route, role, index):
        yield base, query


def _get(client, path, query, failures):
    url = f"{path}?{query}" if query else path
    try:
        # A savepoint per request: on PostgreSQL, a failed query would abort the test's
        # transaction and every request after it.
        with transaction.atomic():
            response = client.get(url)
    except Exception as exc:  # noqa: BLE001 - every exception is a finding, reported below
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        failures.append(f"{url[:200]} raised {exc!r:.300} at {frame.filename}:{frame.lineno}")
        return None
    if response.status_code >= 500:
        failures.append(f"{url[:200]} answered {response.status_code}")
    return response


def _client(role, world):
    client = Client(raise_request_exception=True)
    if role == "member":
        client.force_login(world.member)
    elif role == "staff":
        client.force_login(world.staff)
    return client


def _crawled(role):
    """The patterns a role requests: the trainee, the pages that take a token."""
    if role == "trainee":
        return [route for route in ROUTES if ("token", "str") in route.params]
    return ROUTES


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_a_server_error(role, caplog):
    # 404s and 400s by the thousand; a 500 is in the failures below, with its exception.
    caplog.set_level(logging.ERROR, logger="django.request")
    caplog.set_level(logging.CRITICAL, logger="django.security")
    world = world_build()
    client = _client(role, world)
    failures = []
    for index, route in enumerate(_crawled(role)):
        for path, query in _urls(route, role, world, index):
            response = _get(client, path, query, failures)
            if role == "staff" and not query and response is not None:
                for list_query in _list_queries(response, index):
                    _get(client, path, list_query, failures)
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)


def test_the_crawl_reaches_every_app_and_the_admin():
    names = {route.name for route in ROUTES}
    assert {"enrolment:detail", "providers:session", "catalogue:session_list"} <= names
    assert "admin:catalogue_session_changelist" in names
    assert len(ROUTES) > 100

"""French typography of the interface texts: a non-breaking space (U+00A0, the one the project
uses; `&nbsp;` in HTML) before : ; ! ? after a word, and inside « ». Scanned in every template
(its text, its {% translate %} strings and its human attributes; not its tags, CSS or
scripts) and in every gettext msgid and format_html string of the apps' Python. The
English texts for developers (logs, exceptions, commands' output) are not gettext'd, so
they are not scanned.

Apostrophes are not checked: the project writes the plain ' everywhere, consistently."""

import ast
import datetime
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse

from enrolment.mails import MailKind
from outbox.models import OutboxMail
from outbox.registry import outbox_message
from tests.factories import EnrolmentFactory, ProviderFactory, SessionFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "outbox",
    "catalogue",
    "enrolment",
    "website",
    "providers",
    "backoffice",
    "demo",
    "allervers",
)
GETTEXT = {
    "_": (0,),
    "gettext": (0,),
    "gettext_lazy": (0,),
    "gettext_noop": (0,),
    "ngettext": (0, 1),
    "ngettext_lazy": (0, 1),
    "pgettext": (1,),
    "pgettext_lazy": (1,),
    "npgettext": (1, 2),
    "npgettext_lazy": (1, 2),
    "format_html": (0,),
}

# After a word (a letter, a closing parenthesis or guillemet, a %(name)s or {name} slot or a
# template variable), ordinary white space before : ; ! ?; or none at all when the sign ends
# a word in a sentence (followed by a space or the end: "https:", "9:00", "?page=" pass).
_WORD_END = r"(?:[^\W\d_]|\d|[)»]|%\(\w+\)[sd]|\{\w*\})"
_BAD = re.compile(
    rf"(?P<space>{_WORD_END}[ \t\r\n]+)[:;!?]"
    rf"|(?P<none>(?:[^\W\d_]|»)(?<!\)s)(?<!\)d))[:;!?](?=[\s\u00a0]|$)"
    r"|«(?:[ \t\r\n]|[^\s\u00a0\u202f])"
    r"|(?:[ \t\r\n]|[^\s\u00a0\u202f])»"
)


def offences(text):
    """The offsets in `text` of each bad spacing, with the few characters around it."""
    return [(m.start(), text[max(0, m.start() - 25) : m.end() + 15]) for m in _BAD.finditer(text)]


# --- Templates ---------------------------------------------------------------------------

_HUMAN_ATTRIBUTES = (
    "title",
    "aria-label",
    "alt",
    "placeholder",
    "aria-description",
    "data-confirm",
)
_TEMPLATE_TOKEN = re.compile(
    r"\{#.*?#\}"
    r"|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}"
    r"|<script\b.*?</script\s*>"
    r"|<style\b.*?</style\s*>"
    r"|<!--.*?-->"
    r"|(?P<var>\{\{.*?\}\})"
    r"|(?P<tag>\{%.*?%\})"
    r"|(?P<html><[a-zA-Z/!][^>]*>)"
    r"|(?P<entity>&#?\w+;)",
    re.DOTALL,
)
_TRANSLATE = re.compile(r"""\{%\s*translate\s+(?P<q>["'])(?P<text>.*?)(?P=q)""", re.DOTALL)
_ATTRIBUTE = re.compile(r"""\s(?P<name>[\w-]+)\s*=\s*(?P<q>["'])(?P<value>.*?)(?P=q)""", re.DOTALL)


def template_texts(source, *, is_html, base=0):
    """(offsets, text) pieces a reader sees: the text between the tags, each {% translate %}
    string and each human attribute. A {{ variable }} stands for a word ("x")."""
    pieces = []
    chars, offsets = [], []

    def add(text, offset):
        chars.append(text)
        offsets.extend([base + offset] * len(text))

    position = 0
    for match in _TEMPLATE_TOKEN.finditer(source):
        if not is_html and match.group().startswith("<") and not match.group().startswith("<!--"):
            continue  # a plain-text mail has no tags: "<" is text
        for i, char in enumerate(source[position : match.start()]):
            add(char, position + i)
        position = match.end()
        if match.group("var"):
            add("x", match.start())
        elif match.group("tag"):
            translated = _TRANSLATE.match(match.group("tag"))
            if translated:
                # A literal's entities pass through unescaped: read them as the browser does.
                start = match.start() + translated.start("text")
                pieces.extend(template_texts(translated.group("text"), is_html=is_html, base=start))
                add("x", match.start())
        elif match.group("html"):
            for attribute in _ATTRIBUTE.finditer(match.group("html")):
                if attribute.group("name") in _HUMAN_ATTRIBUTES:
                    start = base + match.start() + attribute.start("value")
                    pieces.extend(
                        template_texts(attribute.group("value"), is_html=True, base=start)
                    )
        elif match.group("entity"):
            add(
                html.unescape(match.group("entity")) if is_html else match.group("entity"),
                match.start(),
            )
    for i, char in enumerate(source[position:]):
        add(char, position + i)
    text = "".join(chars)
    # offsets[i]: where the text's character i comes from in the source.
    pieces.append((offsets, text))
    return pieces


def template_offences(path):
    source = path.read_text()
    found = []
    for offsets, text in template_texts(source, is_html=path.suffix == ".html"):
        for offset, excerpt in offences(text):
            found.append((source.count("\n", 0, offsets[offset]) + 1, excerpt))
    return sorted(found)


# --- Python ------------------------------------------------------------------------------


def _called(node):
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _strings(node):
    """The literal parts of a gettext argument (an f-string's constant parts too)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.JoinedStr):
        yield from (value for value in node.values if isinstance(value, ast.Constant))


def python_offences(path):
    source = path.read_text()
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or _called(node) not in GETTEXT:
            continue
        for index in GETTEXT[_called(node)]:
            if index >= len(node.args):
                continue
            for string in _strings(node.args[index]):
                for _offset, excerpt in offences(string.value):
                    found.append((_line_of(lines, string, excerpt), excerpt))
    return found


def _line_of(lines, node, excerpt):
    """The line of a string spread over several (implicit concatenation) that holds the
    offence: the one with the characters just before the sign."""
    sign = re.search(r"[ \t]*[:;!?«»]", excerpt[20:] if len(excerpt) > 20 else excerpt)
    before = excerpt[: (20 if len(excerpt) > 20 else 0) + (sign.start() if sign else 0)].strip()[
        -6:
    ]
    for number in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        if before and before in lines[number - 1]:
            return number
    return node.lineno


def _templates():
    return sorted(
        path for path in (ROOT / "templates").rglob("*") if path.suffix in (".html", ".txt")
    )


def _python_files():
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _report(found):
    return "\n".join(f"{where}: {excerpt!r}" for where, excerpt in found)


def test_templates_have_non_breaking_spaces_before_double_signs_and_inside_guillemets():
    found = [
        (f"{path.relative_to(ROOT)}:{line}", excerpt)
        for path in _templates()
        for line, excerpt in template_offences(path)
    ]
    assert not found, "Plain space (or none) where French wants U+00A0:\n" + _report(found)


def test_gettext_texts_have_non_breaking_spaces_before_double_signs_and_inside_guillemets():
    found = [
        (f"{path.relative_to(ROOT)}:{line}", excerpt)
        for path in _python_files()
        for line, excerpt in python_offences(path)
    ]
    assert not found, "Plain space (or none) where French wants U+00A0:\n" + _report(found)


@pytest.mark.parametrize(
    "text",
    [
        "Date\u00a0: lundi",
        "Voir https://example.org/a?b=c",
        "De 9:00 à 12:30",
        "%(label)s:%(value)s",
        "Formation «\u00a0aller vers\u00a0»",
        "Vraiment\u00a0?",
    ],
)
def test_the_scan_lets_good_typography_and_code_pass(text):
    assert offences(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Date : lundi",
        "Date: lundi",
        "Vraiment ?",
        "Bienvenue !",
        "places ; sinon",
        "Formation « aller vers »",
        "Formation «aller vers»",
        "Session %(name)s : annulée",
        "(facultatif) :",
    ],
)
def test_the_scan_finds_bad_typography(text):
    assert offences(text)


def test_a_template_offence_is_found_on_its_line_past_tags_and_not_in_code(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<style>a:hover { color: red; }</style>\n"
        '<a href="https://example.org" title="Aide :">x</a>\n'
        "{% if a %}<strong>Lieu</strong>&nbsp;: {{ place }}{% endif %}\n"
        "<p>{{ date }} :</p>\n"
        '{% translate "Prix ?" %}\n'
    )
    assert [line for line, _excerpt in template_offences(page)] == [2, 4, 5]


# --- Rendered pages ----------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a reader sees (entities read) and the human attributes; no script, no style."""

    def __init__(self, page):
        super().__init__()
        self.texts, self._chunks, self._hidden = [], [], 0
        self.feed(page)
        self.texts.append("".join(self._chunks))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.texts.extend(value for name, value in attrs if name in _HUMAN_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self._chunks.append(data)


def _page_offences(page):
    return [excerpt for text in _VisibleText(page).texts for _offset, excerpt in offences(text)]


def _under_minimum_session(provider):
    """A published session whose registration closes in ten days, no one enrolled yet."""
    return SessionFactory(provider=provider, starts_in=31, min_participants=6, city="Rennes")


@pytest.mark.django_db
def test_key_pages_and_a_mail_have_no_plain_space_before_double_signs(client, mailoutbox):
    provider = ProviderFactory(name="Croix-Rouge française")
    session = _under_minimum_session(provider)
    enrolment = EnrolmentFactory(session=SessionFactory(provider=provider))
    member = UserFactory(email="alice@croix-rouge.example.org")
    provider.members.add(member)
    urls = [
        "/",
        reverse("catalogue:session_list"),
        session.get_absolute_url(),
        reverse("enrolment:enrol", args=[session.pk]),
    ]
    pages = {url: client.get(url) for url in urls}
    client.force_login(member)
    pages["/espace-organisme/"] = client.get("/espace-organisme/")
    mail = outbox_message(
        OutboxMail.objects.create(
            kind=MailKind.CONFIRMATION, recipient=enrolment.trainee.email, about=enrolment
        )
    )

    assert {url: response.status_code for url, response in pages.items()} == dict.fromkeys(
        pages, 200
    )
    assert "Rennes</a>\u00a0:" in pages["/espace-organisme/"].content.decode()
    assert "aucune inscription pour un minimum de 6" in pages["/espace-organisme/"].content.decode()
    found = {url: _page_offences(response.content.decode()) for url, response in pages.items()}
    found["mail (HTML)"] = _page_offences(mail.alternatives[0][0])
    found["mail (text)"] = [excerpt for _offset, excerpt in offences(mail.body)]
    found["mail (subject)"] = [excerpt for _offset, excerpt in offences(mail.subject)]
    assert not any(found.values()), {where: bad for where, bad in found.items() if bad}


def test_a_moment_on_the_first_of_a_month_reads_1er_in_paris_time():
    # 23:30 UTC on 30 November is 00:30 on 1 December in Paris: the pages' "demande du",
    # "annulée le" and "proposée le" dates read the local day, written "1er".
    moment = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)
    page = Template("{% load catalogue_extras tz %}{{ moment|localtime|date_courte }}")

    assert page.render(Context({"moment": moment})) == "1er décembre 2026"

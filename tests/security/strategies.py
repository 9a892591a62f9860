"""Hypothesis strategies for what people (or scripts) send: any text, any date, any number."""

import datetime

from django.core import signing
from hypothesis import strategies as st

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
INVISIBLE = BIDI_CONTROLS + "\x00\t\n\r \u00a0\u200b\u200c\u200d\u2060\ufeff\u00ad\u3000\u3164"
# Characters whose NFC form is longer than they are (composition exclusions): a name within its
# length may outgrow it once cleaned.
NFC_EXPANDING = "\u0958\u0959\u095a\u09dc\u0a33\u0b5c\ufb1d\ufb2a\u2adc\U0001d15e"
# Digits that str.isdigit(), \d or int() accept beyond 0-9.
ODD_DIGITS = "²³¹①٣٤۵߁४৪੪૪୪௪౪೪൪๔໔༤၄႔០᠔４𝟒"
SAMPLES = [
    "",
    " ",
    "\x00",
    "null",
    "None",
    "<script>alert(1)</script>",
    "'; DROP TABLE catalogue_session; --",
    "{{ 7|add:7 }}{% debug %}",
    "%(name)s %s %d",
    "..\\..\\etc/passwd",
    "ǅİßﬃ",
    "A\u0301\u0301\u0301",
    "\U0001f600" * 3,
    "x" * 254 + "@example.org",
    "x" * 1_000_000,
]


def _repeat(text: str, times: int) -> str:
    return text * times


texts = st.one_of(
    st.text(),  # every code point but surrogates, NUL included
    st.text(st.sampled_from(INVISIBLE), min_size=1, max_size=8),
    st.text(st.sampled_from(NFC_EXPANDING + ODD_DIGITS + "0123456789 .-"), max_size=300),
    st.builds(_repeat, st.text(min_size=1, max_size=3), st.integers(50, 30_000)),
    # Lengths around the fields' limits, in characters that cleaning changes.
    st.builds(_repeat, st.sampled_from(NFC_EXPANDING + ODD_DIGITS), st.integers(1, 300)),
    st.sampled_from(SAMPLES),
    st.builds("{}\x00{}".format, st.text(max_size=5), st.text(max_size=5)),
)

emails = st.one_of(
    st.emails(),
    st.builds("{}@{}".format, texts, texts),
    st.builds("{}@structure.example.org".format, texts),
    texts,
)


def _without_nul(text: str) -> str:
    return text.replace("\x00", "")


# What the services are given directly, NUL bytes aside: a request that carries one is answered
# 400 by the middleware, and the services' own refusal is still to come (see
# test_properties.test_services_refuse_a_nul_byte).
service_texts = texts.map(_without_nul)
service_emails = emails.map(_without_nul)

# Any date a DateField can hold, year 1 to 9999, as a form sends it, or not a date at all.
dates = st.dates()
date_inputs = st.one_of(
    dates.map(datetime.date.isoformat),
    dates.map(lambda date: f"{date.day:02}/{date.month:02}/{date.year:04}"),
    st.sampled_from(["9999-12-31", "0001-01-01", "9999-99-99", "0000-00-00", "2024-02-30"]),
    texts,
)
time_inputs = st.one_of(st.times().map(str), st.sampled_from(["24:00", "25:61", "-1:00"]), texts)
int_inputs = st.one_of(
    st.integers().map(str),
    st.sampled_from(["9" * 5000, "1e3", "0x10", "١٢", "+1", " 1 ", "1.5", "-0", "2147483648"]),
    texts,
)

# A formset's count of forms: Django draws as many as asked up to 2,000 (its absolute_max), which
# takes seconds; a few, or what is no count.
form_counts = st.one_of(
    st.integers(-3, 4).map(str), st.sampled_from(["", "abc", "1.5", "9" * 5000]), texts
)

# Personal-link tokens: garbage, then signed ones with any payload, any salt and any stamp.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=5,
)


class _StampedSigner(signing.TimestampSigner):
    """Signs as if at `stamp` (seconds since the epoch, any integer)."""

    def __init__(self, *, stamp: int, **kwargs):
        super().__init__(**kwargs)
        self.stamp = stamp

    def timestamp(self):
        return signing.b62_encode(self.stamp)


def _signed(value, salt: str, stamp: int | None, compress: bool) -> str:
    if stamp is None:
        return signing.dumps(value, salt=salt, compress=compress)
    return _StampedSigner(salt=salt, stamp=stamp).sign_object(value, compress=compress)


def signed_tokens(salts: list[str], ids: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        _signed,
        st.one_of(ids, json_values),
        st.sampled_from(salts),
        st.none() | st.integers(min_value=-(2**70), max_value=2**70),
        st.booleans(),
    )

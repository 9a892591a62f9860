"""Accent-insensitive search over sessions.

PostgreSQL: full-text search with the `french_unaccent` configuration (migration 0003), plus
an accent-insensitive substring match on the city and the provider so that a partial name
("chambray") still finds its sessions. Other databases (SQLite in development and tests):
every word of the query must occur, accents and case ignored, in the same texts; SQLite gets
an `unaccent()` function on each connection (catalogue/apps.py). Both stay one SQL query.
"""

import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import F, Func, Q, TextField

SEARCH_CONFIG = "french_unaccent"

# The texts a search looks into: the module's title and fiche, the place, the provider.
SEARCHED_FIELDS = [
    "module__title",
    "label",
    "city",
    "venue_name",
    "provider__name",
    "module__context",
    "module__objectives",
    "module__audience",
    "context",
    "objectives",
]

# Letters that Unicode does not decompose but that PostgreSQL's unaccent rules do.
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def strip_accents(text):
    """ "Orléans" -> "Orleans"; also the SQLite `unaccent()` function (None stays None)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(text).translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class Unaccent(Func):
    function = "unaccent"
    output_field = TextField()


class JoinedText(Func):
    """The fields joined by spaces with `||`: Concat() nests one function per field, which
    overflows SQLite's parser with this many fields. The fields are all NOT NULL."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()


def search_sessions(queryset, text: str):
    """Narrow a Session queryset to the sessions matching `text` (blank: unchanged)."""
    text = text.strip()
    if not text:
        return queryset
    plain = strip_accents(text)
    if connection.vendor == "postgresql":
        return queryset.annotate(
            _search=SearchVector(*SEARCHED_FIELDS, config=SEARCH_CONFIG),
            _search_city=Unaccent(F("city")),
            _search_provider=Unaccent(F("provider__name")),
        ).filter(
            Q(_search=SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch"))
            | Q(_search_city__icontains=plain)
            | Q(_search_provider__icontains=plain)
        )
    queryset = queryset.annotate(_search_text=Unaccent(JoinedText(*SEARCHED_FIELDS)))
    for word in plain.split():
        queryset = queryset.filter(_search_text__icontains=word)
    return queryset


def search_city(queryset, city: str):
    """Sessions whose city contains `city`, accents and case ignored ("orleans")."""
    return queryset.annotate(_city_plain=Unaccent(F("city"))).filter(
        _city_plain__icontains=strip_accents(city.strip())
    )

"""The spreadsheet upload of sessions: a provider sends a CSV or XLSX file with one session a
row; the file is read and every row checked (the preview, which writes nothing), then the
checked rows are written in one transaction through the session lifecycle services.

Reading. The type is told by the content, never by the name: a zip is an XLSX workbook (read
by openpyxl, read-only, through defusedxml), a known binary signature (PDF, images, old XLS)
is refused, anything else must be text (UTF-8 with or without BOM, else Windows-1252) read by
the csv module, separated by semicolons, commas or tabs. Formulas are never computed: a
workbook is read with its formulas as formulas (data_only=False), and a cell that holds one is
an error, as is a CSV cell starting with "=" (the template's "'=", escaped, is text).

The key. `reference` is the provider's own identifier of the session (unique per provider): a
known reference updates that session. A session that has no reference yet is named
"AV-<number>" (its Allervers number) in the template; a row with "AV-<number>" updates that
session if it belongs to the provider, and is an error otherwise, whether the session is
another provider's or does not exist (the same message: the file tells nobody which numbers
exist). The "AV-" prefix is reserved: a new session can't take it as its reference.

What travels from the preview to the confirmation is the normalised rows (JSON, in the
user's server-side session), never the file, and never anything the browser sends back.
"""

import csv
import dataclasses
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from catalogue.geography import DEPARTMENTS, department_from_postcode, region_of
from catalogue.models import (
    DATE_OUT_OF_RANGE,
    Module,
    Provider,
    Session,
    SessionDay,
    session_date_in_range,
)
from catalogue.search import strip_accents
from catalogue.text import clean_text, normalise_phone
from enrolment import session_services
from enrolment.exports import safe_cell
from enrolment.services import EnrolmentError
from enrolment.transitions import Actor

# The header of the template, in this order.
COLUMNS = (
    "reference",
    "module",
    "groupe",
    "ville",
    "lieu",
    "adresse",
    "code_postal",
    "dates",
    "horaires",
    "date_limite",
    "places",
    "minimum",
    "intervenants",
    "contact_handicap",
)
# Every column must be in the file (in any order): a cell may be empty where its value is
# optional, but a missing column would silently read as empty (a file without "intervenants"
# would clear the sessions' trainers).
REQUIRED_COLUMNS = COLUMNS

# Where a service's error on a session field is shown.
FIELD_COLUMNS = {
    "reference": "reference",
    "module": "module",
    "label": "groupe",
    "city": "ville",
    "venue_name": "lieu",
    "venue_address": "adresse",
    "postcode": "code_postal",
    "department": "code_postal",
    "region": "code_postal",
    "days": "dates",
    "date": "dates",
    "morning_start": "horaires",
    "morning_end": "horaires",
    "afternoon_start": "horaires",
    "afternoon_end": "horaires",
    "registration_deadline": "date_limite",
    "capacity": "places",
    "min_participants": "minimum",
    "trainers": "intervenants",
    "trainer_ids": "intervenants",
    "disability_contact_name": "contact_handicap",
    "disability_contact_email": "contact_handicap",
    "disability_contact_phone": "contact_handicap",
}

DEFAULT_HOURS = "9:00-12:30 13:30-17:00"
ALLERVERS_NUMBER = re.compile(r"^AV-([0-9]{1,9})$", re.IGNORECASE)

# Signatures of what is certainly not a spreadsheet we read (the first bytes of the file).
_REFUSED_SIGNATURES = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"RIFF", "WebP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7-Zip"),
)
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), Word .doc
_ZIP_SIGNATURE = b"PK\x03\x04"
# A workbook's parts, once unzipped, may weigh this many times the size limit at most: an
# XLSX compresses about tenfold; a "zip bomb" much more.
_UNZIPPED_RATIO = 20
# Columns read in a workbook row, whatever its width.
_MAX_COLUMNS = 60


class ImportFileError(Exception):
    """The file as a whole can't be read: a form error on the file field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclasses.dataclass(frozen=True)
class Formula:
    """A cell that holds a formula, which is never computed."""

    text: str


@dataclasses.dataclass
class RawRow:
    number: int  # the row's number in the spreadsheet (the header is row 1)
    cells: dict[str, Any]


@dataclasses.dataclass
class Sheet:
    rows: list[RawRow]
    columns: list[str]
    extra_columns: list[str]


@dataclasses.dataclass
class RowError:
    row: int
    column: str  # a column of COLUMNS, or "" for the row as a whole
    message: str


@dataclasses.dataclass
class PreviewRow:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"

    number: int
    reference: str
    label: str
    city: str
    status: str = ""
    errors: list[RowError] = dataclasses.field(default_factory=list)
    # What the row changes (its `needs_approval`: a published session's change waits for the
    # OPCO); empty for a new, unchanged or failing row.
    changes: session_services.SessionChanges = dataclasses.field(
        default_factory=session_services.SessionChanges.none
    )
    data: dict[str, Any] | None = None  # the normalised row (JSON), for the confirmation


@dataclasses.dataclass
class Preview:
    rows: list[PreviewRow]
    warnings: list[str]

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        statuses = (PreviewRow.NEW, PreviewRow.CHANGED, PreviewRow.UNCHANGED, PreviewRow.ERROR)
        return {status: self.count(status) for status in statuses}

    @property
    def to_write(self) -> int:
        return self.count(PreviewRow.NEW) + self.count(PreviewRow.CHANGED)

    def data(self) -> list[dict[str, Any]]:
        """The rows to give `import_apply` (JSON, each with its row number); only for a
        preview without errors."""
        if self.errors:
            raise ValueError("A preview with errors can't be imported.")
        return [{**row.data, "number": row.number} for row in self.rows]


# Reading the file.


def read_upload(upload, *, max_bytes: int | None = None, max_rows: int | None = None) -> Sheet:
    """The rows of an uploaded file (a Django UploadedFile or any object with `size` and
    `read`). Raises ImportFileError with a French message for a file that is not a readable
    spreadsheet of at most `max_bytes` and `max_rows` rows."""
    max_bytes = max_bytes or settings.SESSION_IMPORT_MAX_BYTES
    max_rows = max_rows or settings.SESSION_IMPORT_MAX_ROWS
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ImportFileError(too_big_message(max_bytes))
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise ImportFileError(too_big_message(max_bytes))
    if not content.strip():
        raise ImportFileError(_("Le fichier est vide."))
    if content.startswith(_ZIP_SIGNATURE):
        table = _xlsx_rows(content, max_bytes=max_bytes, max_rows=max_rows)
    else:
        _refuse_binary(content)
        table = _csv_rows(_decode(content), max_rows=max_rows)
    return _sheet(table, max_rows=max_rows)


def too_big_message(max_bytes: int | None = None) -> str:
    max_bytes = max_bytes or settings.SESSION_IMPORT_MAX_BYTES
    return _("Le fichier dépasse la taille maximale de %(size)s Mo.") % {
        "size": f"{max_bytes / 1_000_000:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    }


def _not_a_spreadsheet(kind: str) -> ImportFileError:
    return ImportFileError(
        _(
            "Ce fichier est un %(kind)s, pas un tableau : déposez un fichier CSV ou XLSX "
            "(enregistré depuis Excel ou LibreOffice)."
        )
        % {"kind": kind}
    )


def _refuse_binary(content: bytes) -> None:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            _(
                "Ce fichier est en UTF-16, qui n'est pas lu : enregistrez-le au format « CSV "
                "UTF-8 » ou XLSX."
            )
        )
    for signature, kind in _REFUSED_SIGNATURES:
        if content.startswith(signature):
            raise _not_a_spreadsheet(kind)
    if content.startswith(_OLE_SIGNATURE):
        raise ImportFileError(
            _(
                "Ce fichier est au format Excel 97-2003 (.xls), qui n'est pas lu : enregistrez-le "
                "au format XLSX ou CSV."
            )
        )
    if b"\x00" in content[:8192]:
        raise ImportFileError(
            _("Ce fichier n'est pas un tableau CSV ou XLSX : déposez un fichier CSV ou XLSX.")
        )


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, as French spreadsheets write CSV."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError(
                _(
                    "L'encodage de ce fichier n'est pas reconnu : enregistrez-le au format "
                    "« CSV UTF-8 » ou XLSX."
                )
            ) from None
    # A binary file read as Windows-1252 is full of control characters; a CSV has none but
    # tabs and line ends.
    controls = sum(
        1 for char in text if unicodedata.category(char) == "Cc" and char not in "\t\r\n"
    )
    if controls > max(2, len(text) // 1000):
        raise ImportFileError(
            _("Ce fichier n'est pas un tableau CSV ou XLSX : déposez un fichier CSV ou XLSX.")
        )
    return text


def _csv_rows(text: str, *, max_rows: int) -> list[tuple[int, list[Any]]]:
    first_line = text.split("\n", 1)[0]
    # The separator the header uses most: ";" (French Excel), "," or a tab.
    delimiter = max(";,\t", key=first_line.count)
    table = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    limit = _RowLimit(max_rows)
    try:
        for cells in reader:
            # A CSV holds no formula, only text that a spreadsheet would compute: the same
            # error as a workbook's formula. The template's escaped "'=" is text.
            cells = [Formula(cell) if cell.startswith("=") else cell for cell in cells]
            table.append((reader.line_num, cells))
            if limit.reached(cells):
                break
    except csv.Error:
        raise ImportFileError(
            _("La ligne %(row)d du fichier est illisible (guillemets mal fermés ?).")
            % {"row": reader.line_num}
        ) from None
    # csv counts physical lines: a quoted cell can span several. Spreadsheets count records.
    return [(index, cells) for index, (_line, cells) in enumerate(table, start=1)]


class _RowLimit:
    """Stops the reading once the file has more rows than allowed (the header and one more,
    so that the check says "too many"), or more blank rows than a spreadsheet plausibly
    holds: a workbook can declare a row a million lines down, which openpyxl reaches through
    a million empty ones."""

    def __init__(self, max_rows: int):
        self.max_filled = max_rows + 1
        self.max_total = max_rows * 4 + 100
        self.filled = self.total = 0

    def reached(self, cells) -> bool:
        self.total += 1
        if any(_present(cell) for cell in cells):
            self.filled += 1
        if self.total > self.max_total and self.filled <= self.max_filled:
            raise ImportFileError(
                _(
                    "Le fichier compte trop de lignes vides : supprimez-les, puis déposez-le "
                    "à nouveau."
                )
            )
        return self.filled > self.max_filled


def _xlsx_rows(content: bytes, *, max_bytes: int, max_rows: int) -> list[tuple[int, list[Any]]]:
    unreadable = ImportFileError(
        _(
            "Ce classeur XLSX est illisible (fichier abîmé ou d'un autre type) : "
            "enregistrez-le à nouveau au format XLSX, ou au format CSV."
        )
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise unreadable from None
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names or "ppt/presentation.xml" in names:
            raise _not_a_spreadsheet(_("document Word ou PowerPoint"))
        if "content.xml" in names:
            raise ImportFileError(
                _("Les fichiers ODS ne sont pas lus : enregistrez-le au format XLSX ou CSV.")
            )
        raise unreadable
    if unzipped > max_bytes * _UNZIPPED_RATIO:
        raise ImportFileError(too_big_message(max_bytes))
    table = []
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        try:
            sheet = workbook.worksheets[0]
            limit = _RowLimit(max_rows)
            for number, cells in enumerate(sheet.iter_rows(max_col=_MAX_COLUMNS), start=1):
                values = [_xlsx_value(cell) for cell in cells]
                table.append((number, values))
                if limit.reached(values):
                    break
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises anything on a broken workbook
        raise unreadable from None
    return table


def _xlsx_value(cell) -> Any:
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(cell.value))
    return cell.value


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not clean_text(value))


def _header_name(value: Any) -> str:
    """ "Code postal", " code_postal " and "CODE-POSTAL" all name `code_postal`."""
    if not isinstance(value, str):
        return str(value) if value is not None else ""
    text = strip_accents(clean_text(value)).casefold()  # clean_text drops a BOM (Cf)
    return re.sub(r"[\s\-]+", "_", text.strip())


def _sheet(table: list[tuple[int, list[Any]]], *, max_rows: int) -> Sheet:
    table = [(number, cells) for number, cells in table if any(_present(c) for c in cells)]
    if not table:
        raise ImportFileError(_("Le fichier est vide."))
    header_number, header_cells = table[0]
    names = [_header_name(cell) for cell in header_cells]
    if header_number != 1 or not set(names) & set(COLUMNS):
        raise ImportFileError(
            _(
                "La première ligne du fichier doit porter les en-têtes des colonnes "
                "(reference, module, groupe…) : téléchargez le modèle pour les voir."
            )
        )
    seen = set()
    for name in names:
        if name in COLUMNS and name in seen:
            raise ImportFileError(
                _("La colonne « %(column)s » figure deux fois dans l'en-tête.") % {"column": name}
            )
        seen.add(name)
    missing = [column for column in REQUIRED_COLUMNS if column not in seen]
    if missing:
        raise ImportFileError(
            _("Colonne obligatoire absente : %(columns)s.")
            % {"columns": ", ".join(f"« {column} »" for column in missing)}
            if len(missing) == 1
            else _("Colonnes obligatoires absentes : %(columns)s.")
            % {"columns": ", ".join(f"« {column} »" for column in missing)}
        )
    extra = [
        clean_text(str(cell))
        for cell, name in zip(header_cells, names, strict=True)
        if name and name not in COLUMNS
    ]
    data_rows = table[1:]
    if not data_rows:
        raise ImportFileError(_("Le fichier ne contient aucune session sous l'en-tête."))
    if len(data_rows) > max_rows:
        raise ImportFileError(
            _("Le fichier compte plus de %(max)d sessions : découpez-le en plusieurs fichiers.")
            % {"max": max_rows}
        )
    rows = []
    for number, cells in data_rows:
        values = {}
        for index, name in enumerate(names):
            if name in COLUMNS:
                values[name] = cells[index] if index < len(cells) else None
        rows.append(RawRow(number=number, cells=values))
    return Sheet(
        rows=rows, columns=[name for name in names if name in COLUMNS], extra_columns=extra
    )


# Checking the rows.


class _RowProblem(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def _text(value: Any) -> str:
    """A cell as text: numbers without ".0", a date as JJ/MM/AAAA; our own formula escape
    (a leading apostrophe before = + - @) undone."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        return clean_text(value.text)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    text = clean_text(str(value))
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


def _fold(text: str) -> str:
    """Compared without case, accents, typographic apostrophes or extra spaces."""
    return " ".join(strip_accents(text.replace("’", "'")).casefold().split())


_DATE = re.compile(r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def _date(value: Any, column: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        parsed = value
    else:
        text = _text(value)
        match = _DATE.match(text)
        iso = _ISO_DATE.match(text)
        try:
            if match:
                day, month, year = (int(part) for part in match.groups())
            elif iso:
                year, month, day = (int(part) for part in iso.groups())
            else:
                raise ValueError
            parsed = datetime.date(year, month, day)
        except ValueError:
            raise _RowProblem(
                column,
                _("« %(value)s » n'est pas une date JJ/MM/AAAA.") % {"value": text},
            ) from None
    if not session_date_in_range(parsed):
        raise _RowProblem(column, str(DATE_OUT_OF_RANGE))
    return parsed


def _dates(value: Any) -> list[datetime.date]:
    if isinstance(value, datetime.date):
        return [_date(value, "dates")]
    parts = [part.strip() for part in _text(value).split(";") if part.strip()]
    if not parts:
        raise _RowProblem("dates", _("Indiquez au moins une date."))
    dates = [_date(part, "dates") for part in parts]
    if len(set(dates)) != len(dates):
        raise _RowProblem("dates", _("Une même date figure deux fois."))
    return dates


_TIME = r"([0-9]{1,2})(?:\s*[:hH.]\s*([0-9]{2})?)?"
_RANGE = re.compile(_TIME + r"\s*(?:-|–|à)\s*" + _TIME)
_RANGE_GLUE = re.compile(r"^[\s,/+&]*(?:et)?[\s,/+&]*$")


def _time(hour: str, minute: str | None) -> datetime.time:
    return datetime.time(int(hour), int(minute or 0))


def _half_days(text: str) -> dict[str, datetime.time | None]:
    """ "9:00-12:30 13:30-17:00" (also "9h-12h30 / 13h30-17h"): a morning and an afternoon;
    one range is a morning if it starts before noon, else an afternoon."""
    ranges = []
    rest = text
    try:
        for match in _RANGE.finditer(text):
            ranges.append((_time(*match.group(1, 2)), _time(*match.group(3, 4))))
            rest = rest.replace(match.group(0), " ", 1)
    except ValueError:
        raise _RowProblem("horaires", _bad_hours(text)) from None
    if not ranges or len(ranges) > 2 or not _RANGE_GLUE.match(rest):
        raise _RowProblem("horaires", _bad_hours(text))
    for start, end in ranges:
        if start >= end:
            raise _RowProblem(
                "horaires",
                _("« %(value)s » – chaque demi-journée doit commencer avant de finir.")
                % {"value": text},
            )
    if len(ranges) == 1:
        ranges = [ranges[0], (None, None)] if ranges[0][0].hour < 12 else [(None, None), ranges[0]]
    (morning_start, morning_end), (afternoon_start, afternoon_end) = ranges
    return {
        "morning_start": morning_start,
        "morning_end": morning_end,
        "afternoon_start": afternoon_start,
        "afternoon_end": afternoon_end,
    }


def _bad_hours(text: str) -> str:
    return _(
        "« %(value)s » n'est pas un horaire lisible ; écrivez par exemple "
        "« 9:00-12:30 13:30-17:00 » (un matin et un après-midi), ou laissez la cellule vide."
    ) % {"value": text}


def _days(dates_value: Any, hours_value: Any) -> list[dict[str, Any]]:
    """The days of the row: the hours apply to every day; "; " separates one set of hours
    per day (in the order of the dates) where they differ."""
    dates = _dates(dates_value)
    hours_text = _text(hours_value) or DEFAULT_HOURS
    groups = [group.strip() for group in hours_text.split(";") if group.strip()]
    if len(groups) == 1:
        groups = groups * len(dates)
    elif len(groups) != len(dates):
        raise _RowProblem(
            "horaires",
            _(
                "Donnez un seul horaire pour toutes les journées, ou un par date séparés par "
                "« ; » (%(count)d dates)."
            )
            % {"count": len(dates)},
        )
    days = [{"date": date, **_half_days(group)} for date, group in zip(dates, groups, strict=True)]
    return sorted(days, key=lambda day: day["date"])


def _number(value: Any, column: str, *, required: bool) -> int | None:
    text = _text(value)
    if not text:
        if required:
            raise _RowProblem(column, _("Ce nombre est obligatoire."))
        return None
    if not re.fullmatch(r"[0-9]{1,4}", text):
        raise _RowProblem(
            column,
            _("« %(value)s » n'est pas un nombre entier positif.") % {"value": text},
        )
    return int(text)


def _required_text(value: Any, column: str) -> str:
    text = _text(value)
    if not text:
        raise _RowProblem(column, _("Cette cellule est obligatoire."))
    return text


def _module(value: Any, modules: list[Module]) -> Module:
    text = _text(value)
    if not text:
        raise _RowProblem("module", _("Cette cellule est obligatoire."))
    match = re.fullmatch(r"(?:module\s*)?([0-9]{1,3})", text, re.IGNORECASE)
    for module in modules:
        if match and module.number == int(match.group(1)):
            return module
        if _fold(text) in (_fold(module.title), _fold(str(module))):
            return module
    raise _RowProblem(
        "module",
        _("Module inconnu (« %(value)s ») ; indiquez %(numbers)s, ou le titre du module.")
        % {
            "value": text,
            "numbers": _(" ou ").join(str(module.number) for module in modules) or "1",
        },
    )


def _postcode(value: Any) -> tuple[str, str, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A spreadsheet drops the leading zero of 01000.
        text = _text(value).zfill(5)
    else:
        text = _text(value).replace(" ", "")
    if not text:
        raise _RowProblem("code_postal", _("Cette cellule est obligatoire."))
    department = department_from_postcode(text) if re.fullmatch(r"[0-9]{5}", text) else ""
    if department not in DEPARTMENTS:
        raise _RowProblem(
            "code_postal",
            _("« %(value)s » n'est pas un code postal français à 5 chiffres.") % {"value": text},
        )
    return text, department, region_of(department)


def _trainer_index(provider: Provider) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for trainer in provider.trainers.all():
        for key in {
            _fold(f"{trainer.first_name} {trainer.last_name}"),
            _fold(f"{trainer.last_name} {trainer.first_name}"),
        }:
            index.setdefault(key, []).append(trainer.pk)
    return index


def _trainers(value: Any, index: dict[str, list[int]]) -> list[int]:
    names = [name.strip() for name in _text(value).split(";") if name.strip()]
    ids, unknown, ambiguous = [], [], []
    for name in names:
        found = index.get(_fold(name), [])
        if not found:
            unknown.append(name)
        elif len(found) > 1:
            ambiguous.append(name)
        elif found[0] not in ids:
            ids.append(found[0])
    if unknown:
        raise _RowProblem(
            "intervenants",
            _("Intervenant inconnu de l'organisme (%(names)s).")
            % {"names": ", ".join(f"« {name} »" for name in unknown)}
            if len(unknown) == 1
            else _("Intervenants inconnus de l'organisme (%(names)s).")
            % {"names": ", ".join(f"« {name} »" for name in unknown)},
        )
    if ambiguous:
        raise _RowProblem(
            "intervenants",
            _("Plusieurs intervenants portent ce nom (%(names)s).")
            % {"names": ", ".join(f"« {name} »" for name in ambiguous)},
        )
    return ids


def _disability_contact(value: Any) -> dict[str, str]:
    """ "Sam Leroy, sam.leroy@example.org, 02 38 00 00 00": a name, an address, a phone, in any
    order, separated by commas or semicolons."""
    name, email, phone = [], "", ""
    for part in re.split(r"[;,]", _text(value)):
        part = part.strip()
        if not part:
            continue
        if "@" in part:
            if email:
                raise _RowProblem("contact_handicap", _("Indiquez une seule adresse e-mail."))
            email = part
        elif normalise_phone(part) or sum(char.isdigit() for char in part) >= 6:
            if phone:
                raise _RowProblem("contact_handicap", _("Indiquez un seul numéro de téléphone."))
            phone = normalise_phone(part) or part
        else:
            name.append(part)
    return {
        "disability_contact_name": " ".join(name),
        "disability_contact_email": email,
        "disability_contact_phone": phone,
    }


@dataclasses.dataclass
class _Context:
    provider: Provider
    modules: list[Module]
    trainers: dict[str, list[int]]
    by_reference: dict[str, Session]
    by_number: dict[int, Session]  # the provider's own sessions named "AV-<number>"


def _context(provider: Provider, sheet: Sheet) -> _Context:
    """Everything the rows are checked against, in a fixed number of queries."""
    references, numbers = set(), set()
    for row in sheet.rows:
        reference = _text(row.cells.get("reference"))
        match = ALLERVERS_NUMBER.match(reference)
        if match:
            numbers.add(int(match.group(1)))
        elif reference:
            references.add(reference)
    sessions = _named_sessions(provider=provider, references=references, numbers=numbers)
    return _Context(
        provider=provider,
        modules=list(Module.objects.order_by("number")),
        trainers=_trainer_index(provider),
        by_reference={s.reference: s for s in sessions if s.reference in references},
        by_number={s.pk: s for s in sessions if s.pk in numbers},
    )


def _named_sessions(*, provider, references, numbers) -> list[Session]:
    """The provider's sessions named in the file, with what the changes are read from."""
    if not references and not numbers:
        return []
    return list(
        session_services.sessions_for_provider_checks(
            Session.objects.filter(provider=provider).filter(
                Q(reference__in=references) | Q(pk__in=numbers)
            )
        )
    )


def template_sessions(provider: Provider, today: datetime.date | None = None) -> list[Session]:
    """The provider's sessions the template lists: those not cancelled that have not started
    (or have no day yet), soonest first, in a fixed number of queries."""
    today = today or timezone.localdate()
    sessions = (
        Session.objects.filter(provider=provider)
        .exclude(status=Session.Status.CANCELLED)
        .exclude(days__isnull=False, days__date__lt=today)
        .select_related("module")
        .prefetch_related(
            Prefetch("days", queryset=SessionDay.objects.order_by("date")), "trainers"
        )
        .distinct()
    )
    return sorted(sessions, key=lambda s: (s.first_day is None, s.first_day or today, s.pk))


def _normalise(row: RawRow, context: _Context) -> tuple[dict, Session | None]:
    """The row as the services take it, and the session it updates (None for a new one).
    Raises _RowProblems with a problem for each column that has one."""
    # A formula is never computed: its cell is an error, and read as empty meanwhile.
    formulas = {name: value for name, value in row.cells.items() if isinstance(value, Formula)}
    cells = {name: None if name in formulas else value for name, value in row.cells.items()}
    raise_later: list[_RowProblem] = []

    def attempt(function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except _RowProblem as problem:
            raise_later.append(problem)
            return None

    reference = _text(cells.get("reference"))
    session = None
    fields: dict[str, Any] = {}
    number = ALLERVERS_NUMBER.match(reference)
    if not reference:
        raise_later.append(_RowProblem("reference", _("Cette cellule est obligatoire.")))
    elif number:
        session = context.by_number.get(int(number.group(1)))
        if session is None:
            raise_later.append(
                _RowProblem(
                    "reference",
                    _(
                        "« %(value)s » n'est pas une session de votre organisme : une nouvelle "
                        "session prend votre propre référence (« AV- » est réservé aux numéros "
                        "Allervers)."
                    )
                    % {"value": reference},
                )
            )
    elif len(reference) > 50:
        raise_later.append(
            _RowProblem("reference", _("La référence compte au plus 50 caractères."))
        )
    else:
        session = context.by_reference.get(reference)
        fields["reference"] = reference

    fields["module"] = attempt(_module, cells.get("module"), context.modules)
    fields["label"] = attempt(_required_text, cells.get("groupe"), "groupe")
    fields["city"] = attempt(_required_text, cells.get("ville"), "ville")
    fields["venue_name"] = _text(cells.get("lieu"))
    fields["venue_address"] = _text(cells.get("adresse"))
    place = attempt(_postcode, cells.get("code_postal"))
    if place:
        fields["postcode"], fields["department"], fields["region"] = place
    days = attempt(_days, cells.get("dates"), cells.get("horaires"))
    deadline = None
    if _present(cells.get("date_limite")):
        deadline = attempt(_date, cells.get("date_limite"), "date_limite")
    fields["registration_deadline"] = deadline
    capacity = attempt(_number, cells.get("places"), "places", required=True)
    minimum = attempt(_number, cells.get("minimum"), "minimum", required=False)
    fields["capacity"] = capacity
    fields["min_participants"] = minimum or 0
    trainer_ids = attempt(_trainers, cells.get("intervenants"), context.trainers)
    contact = attempt(_disability_contact, cells.get("contact_handicap"))
    if contact:
        fields.update(contact)

    raise_later = [problem for problem in raise_later if problem.column not in formulas]
    for name, formula in formulas.items():
        raise_later.append(
            _RowProblem(
                name,
                _(
                    "Cette cellule contient une formule (%(formula)s), qui n'est pas "
                    "calculée ; saisissez sa valeur."
                )
                % {"formula": formula.text[:40]},
            )
        )
    if raise_later:
        raise _RowProblems(raise_later)
    return {"fields": fields, "days": days, "trainer_ids": trainer_ids}, session


class _RowProblems(Exception):
    def __init__(self, problems: list[_RowProblem]):
        super().__init__(problems)
        self.problems = problems


def _service_errors(error: ValidationError | EnrolmentError, number: int) -> list[RowError]:
    if isinstance(error, EnrolmentError):
        return [RowError(number, "places", str(error.message))]
    errors = []
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            column = FIELD_COLUMNS.get(field, "")
            if field == NON_FIELD_ERRORS:
                column = ""
            for message in messages:
                errors.append(RowError(number, column, message))
    else:
        errors = [RowError(number, "", message) for message in error.messages]
    return errors


# JSON for the user's session (dates and times as ISO text, the module by its id).


def _to_json(normalised: dict, session: Session | None) -> dict[str, Any]:
    fields = dict(normalised["fields"])
    fields["module"] = fields["module"].pk
    if fields.get("registration_deadline"):
        fields["registration_deadline"] = fields["registration_deadline"].isoformat()
    days = [
        {name: value.isoformat() if value else None for name, value in day.items()}
        for day in normalised["days"]
    ]
    return {
        "session_id": session.pk if session else None,
        "fields": fields,
        "days": days,
        "trainer_ids": normalised["trainer_ids"],
    }


def _from_json(data: dict[str, Any], modules: dict[int, Module]) -> dict[str, Any]:
    fields = dict(data["fields"])
    module = modules.get(fields["module"])
    if module is None:
        raise ValidationError({"module": _("Ce module n'existe plus.")})
    fields["module"] = module
    if fields.get("registration_deadline"):
        fields["registration_deadline"] = datetime.date.fromisoformat(
            fields["registration_deadline"]
        )
    days = []
    for day in data["days"]:
        days.append(
            {
                "date": datetime.date.fromisoformat(day["date"]),
                **{
                    name: datetime.time.fromisoformat(day[name]) if day.get(name) else None
                    for name in session_services.DAY_TIMES
                },
            }
        )
    return {"fields": fields, "days": days, "trainer_ids": data["trainer_ids"]}


# The two steps.


def import_preview(*, provider: Provider, sheet: Sheet) -> Preview:
    """Check every row of the file against the provider's sessions, its trainers and the
    session rules (`session_provider_check`), and say what each row would do. Writes
    nothing."""
    context = _context(provider, sheet)
    warnings = []
    if sheet.extra_columns:
        warnings.append(
            _("Colonnes ignorées : %(columns)s.")
            % {"columns": ", ".join(f"« {column} »" for column in sheet.extra_columns)}
        )
    reads = session_services.provider_reads(provider.pk)
    rows = []
    targets: dict[object, int] = {}
    for raw in sheet.rows:
        row = PreviewRow(
            number=raw.number,
            reference=_text(raw.cells.get("reference")),
            label=_text(raw.cells.get("groupe")),
            city=_text(raw.cells.get("ville")),
        )
        rows.append(row)
        # Two rows that name the same session (the same reference, or its AV- number).
        key = row.reference
        try:
            normalised, session = _normalise(raw, context)
        except _RowProblems as problems:
            row.errors = [RowError(raw.number, p.column, p.message) for p in problems.problems]
            normalised, session = None, None
        if session is not None:
            key = ("session", session.pk)
        if row.reference:
            if key in targets:
                row.errors.insert(
                    0,
                    RowError(
                        raw.number,
                        "reference",
                        _("La référence « %(reference)s » figure déjà à la ligne %(row)d.")
                        % {"reference": row.reference, "row": targets[key]},
                    ),
                )
            else:
                targets[key] = raw.number
        if row.errors:
            row.status = PreviewRow.ERROR
            continue
        try:
            changes = session_services.session_provider_check(
                provider_id=provider.pk, session=session, reads=reads, **normalised
            )
        except (ValidationError, EnrolmentError) as error:
            row.errors = _service_errors(error, raw.number)
            row.status = PreviewRow.ERROR
            continue
        row.data = _to_json(normalised, session)
        if session is None:
            row.status = PreviewRow.NEW
            continue
        row.changes = changes
        row.status = PreviewRow.CHANGED if changes else PreviewRow.UNCHANGED
    return Preview(rows=rows, warnings=warnings)


class ImportRejected(Exception):
    """The confirmation found errors (the data changed since the preview): nothing written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.errors = errors


@dataclasses.dataclass
class ImportResult:
    outcomes: dict[str, int]  # ProviderSaveOutcome value -> number of rows


def import_apply(*, provider_id: int, rows: list[dict[str, Any]], by: Actor) -> ImportResult:
    """Write the rows of an error-free preview (`Preview.data()`), in one transaction, through
    `session_provider_save`. If any row fails, nothing is written and ImportRejected lists
    every error, with its row."""
    modules = {module.pk: module for module in Module.objects.all()}
    reads = session_services.provider_reads(provider_id)
    outcomes: dict[str, int] = {}
    errors: list[RowError] = []
    with transaction.atomic():
        for data in rows:
            number = data.get("number", 0)
            try:
                # A savepoint per row: the others are still checked, then all roll back.
                with transaction.atomic():
                    _session, outcome = session_services.session_provider_save(
                        provider_id=provider_id,
                        session_id=data["session_id"],
                        by=by,
                        reads=reads,
                        **_from_json(data, modules),
                    )
            except (ValidationError, EnrolmentError) as error:
                errors.extend(_service_errors(error, number))
                continue
            outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1
        if errors:
            # Leaving the block by an exception rolls back every row already written.
            raise ImportRejected(errors)
    return ImportResult(outcomes=outcomes)


# The template.


def _hours_text(day) -> str:
    return " ".join(
        f"{start.hour}:{start.minute:02d}-{end.hour}:{end.minute:02d}"
        for start, end in day.half_days
    )


def session_row(session: Session) -> list[Any]:
    """A session as a row of the template (days and trainers prefetched)."""
    days = session.sorted_days
    hours = [_hours_text(day) for day in days]
    # One set of hours for every day, or one per day where they differ.
    hours_text = "; ".join(hours) if len(set(hours)) > 1 else "".join(hours[:1])
    contact = [
        session.disability_contact_name,
        session.disability_contact_email,
        session.disability_contact_phone,
    ]
    return [
        session.reference or f"AV-{session.pk}",
        session.module.number,
        session.label,
        session.city,
        session.venue_name,
        session.venue_address,
        session.postcode,
        "; ".join(f"{day.date:%d/%m/%Y}" for day in days),
        hours_text,
        f"{session.registration_deadline:%d/%m/%Y}" if session.registration_deadline else "",
        session.capacity,
        session.min_participants,
        # Its own trainers: those the OPCO added of another provider stay without being listed
        # (session_provider_save keeps them), so the file read back changes nothing.
        "; ".join(
            trainer.full_name
            for trainer in session.trainers.all()
            if trainer.provider_id == session.provider_id
        ),
        ", ".join(part for part in contact if part),
    ]


def example_row(provider: Provider, today: datetime.date | None = None) -> list[Any]:
    today = today or timezone.localdate()
    first = today + datetime.timedelta(days=60)
    while first.weekday() > 3:  # a Monday to Thursday, so that the second day is a weekday
        first += datetime.timedelta(days=1)
    trainer = provider.trainers.first()
    return [
        f"{first:%Y}-G1",
        1,
        "Groupe 1",
        provider.city or "Orléans",
        "Maison des associations",
        "46 ter rue Sainte-Catherine",
        provider.postcode or "45000",
        f"{first:%d/%m/%Y}; {first + datetime.timedelta(days=1):%d/%m/%Y}",
        DEFAULT_HOURS,
        f"{first - datetime.timedelta(days=21):%d/%m/%Y}",
        12,
        6,
        trainer.full_name if trainer else "",
        ", ".join(
            part
            for part in (
                provider.disability_contact_name,
                provider.disability_contact_email,
                provider.disability_contact_phone,
            )
            if part
        ),
    ]


def template_rows(provider: Provider, sessions: Iterable[Session]) -> list[list[Any]]:
    """The header, then the provider's sessions, or one example row when it has none; every
    text cell escaped against formulas (a leading apostrophe, which the import removes)."""
    rows = [session_row(session) for session in sessions] or [example_row(provider)]
    return [list(COLUMNS)] + [[safe_cell(cell) for cell in row] for row in rows]

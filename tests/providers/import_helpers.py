"""Files for the upload tests: CSV in any of the encodings and separators French spreadsheets
write, and XLSX built with openpyxl."""

import csv
import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from providers.imports import COLUMNS

HEADER = list(COLUMNS)


def future(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def fr(date: datetime.date) -> str:
    return f"{date:%d/%m/%Y}"


def row(**values) -> list:
    """A good row, as a list in the template's order; `values` replace cells by column."""
    first = future(60)
    cells = {
        "reference": "2026-G1",
        "module": "1",
        "groupe": "Groupe 1",
        "ville": "Orléans",
        "lieu": "Maison des associations",
        "adresse": "46 ter rue Sainte-Catherine",
        "code_postal": "45000",
        "dates": f"{fr(first)};{fr(first + datetime.timedelta(days=1))}",
        "horaires": "",
        "date_limite": fr(first - datetime.timedelta(days=21)),
        "places": "12",
        "minimum": "6",
        "intervenants": "",
        "contact_handicap": "",
    }
    unknown = set(values) - set(cells)
    assert not unknown, unknown
    cells.update(values)
    return [cells[column] for column in HEADER]


def csv_bytes(rows, *, header=HEADER, delimiter=";", encoding="utf-8", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for cells in rows:
        writer.writerow(cells)
    content = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + content) if bom else content


def xlsx_bytes(rows, *, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "sessions.csv", **data):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(reverse("providers:import"), {"file": file, **data})


def confirm(client, response):
    return client.post(reverse("providers:import_confirm"), {"token": response.context["token"]})


def errors_of(response) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in response.context["preview"].errors]


def file_error(response) -> str:
    return " ".join(response.context["form"].errors.get("file", []))

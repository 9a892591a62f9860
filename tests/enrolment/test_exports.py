"""The export writers: formula-safe cells, CSV as French Excel opens it, XLSX read back."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from enrolment.exports import export_response, safe_cell, write_csv, write_xlsx


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Léa = Bernard", "Léa = Bernard"),
        (3, 3),
        (None, None),
        (True, "True"),
    ],
)
def test_safe_cell_escapes_what_would_start_a_formula(value, expected):
    assert safe_cell(value) == expected


def test_csv_has_a_bom_semicolons_and_french_decimals():
    content = write_csv([["Nom", "Heures"], ["Bernard; Léa", Decimal("3.5")], ["x", None]])
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Nom", "Heures"], ["Bernard; Léa", "3,5"], ["x", ""]]


def test_xlsx_keeps_numbers_and_dates_and_drops_control_characters():
    content = write_xlsx(
        [["Nom", "Position", "Jour"], ["Bé\x01rnard", 2, datetime.date(2026, 3, 2)]],
        title="Participants: [groupe 1]",
    )
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet.title == "Participants groupe 1"
    assert [cell.value for cell in sheet[2]] == ["Bérnard", 2, datetime.datetime(2026, 3, 2)]


def test_export_response_is_a_download():
    response = export_response([["a"]], file_format="xlsx", filename="participants-groupe-1")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="participants-groupe-1.xlsx"' in response["Content-Disposition"]
    with pytest.raises(ValueError):
        export_response([["a"]], file_format="pdf", filename="x")

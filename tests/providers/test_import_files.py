"""Bad files get a form error (or a 4xx), never a 500, and nothing is written; access rules of
the upload's pages; the template."""

import csv
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from catalogue.models import Session
from providers.imports import COLUMNS
from tests.factories import ModuleFactory, SessionFactory, TrainerFactory

from .import_helpers import HEADER, confirm, csv_bytes, file_error, row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def module_1(db):
    return ModuleFactory(number=1, title="Aller vers : une nécessaire préparation")


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "sessions.csv", "vide"),
        (b"   \r\n  ", "sessions.csv", "vide"),
        (PDF, "sessions.csv", "PDF"),
        (PNG, "sessions.xlsx", "PNG"),
        (b"\xff\xd8\xff\xe0" + bytes(100), "sessions.csv", "JPEG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "sessions.xls", "97-2003"),
        (b"PK\x03\x04" + bytes(200), "sessions.xlsx", "illisible"),
        (bytes(range(256)) * 20, "sessions.csv", "pas un tableau"),
        (b"\xff\xfer\x00e\x00f\x00", "sessions.csv", "UTF-16"),
        (b"bonjour;tout;le monde\r\n1;2;3\r\n", "sessions.csv", "en-têtes"),
        (";".join(HEADER).encode() + b"\r\n", "sessions.csv", "aucune session"),
        (b'reference;module\r\n"abc;1\r\n', "sessions.csv", "obligatoire"),
    ],
    ids=[
        "empty",
        "blank",
        "renamed-pdf",
        "renamed-png",
        "jpeg",
        "old-xls",
        "broken-zip",
        "binary",
        "utf16",
        "no-header",
        "header-only",
        "missing-columns",
    ],
)
def test_bad_file_is_a_form_error(alice_client, content, name, expected):
    response = upload(alice_client, content, name=name)
    assert response.status_code == 200
    assert "preview" not in response.context
    assert expected in file_error(response)
    assert not Session.objects.exists()


def test_a_zip_that_is_no_workbook_is_refused(alice_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    response = upload(alice_client, buffer.getvalue(), name="sessions.xlsx")
    assert "Word" in file_error(response)


def test_a_truncated_workbook_is_refused(alice_client):
    content = xlsx_bytes([row()])
    response = upload(alice_client, content[: len(content) // 2], name="sessions.xlsx")
    assert "illisible" in file_error(response)


def test_oversized_file_is_refused(alice_client, settings):
    settings.SESSION_IMPORT_MAX_BYTES = 1_000
    content = csv_bytes([row(reference=f"R{index}") for index in range(20)])
    assert len(content) > 1_000
    response = upload(alice_client, content)
    assert "taille maximale" in file_error(response)
    assert not Session.objects.exists()


def test_too_many_rows_are_refused(alice_client, settings):
    settings.SESSION_IMPORT_MAX_ROWS = 3
    response = upload(alice_client, csv_bytes([row(reference=f"R{i}") for i in range(4)]))
    assert "plus de 3 sessions" in file_error(response)
    response = upload(
        alice_client, xlsx_bytes([row(reference=f"R{i}") for i in range(4)]), name="s.xlsx"
    )
    assert "plus de 3 sessions" in file_error(response)


def test_undecodable_csv_is_refused(alice_client):
    # 0x81 is in neither UTF-8 nor Windows-1252.
    content = ";".join(HEADER).encode() + b"\r\n\x81\x81;1\r\n"
    response = upload(alice_client, content)
    assert "encodage" in file_error(response)


def test_unclosed_quote_spanning_the_file_is_a_form_error_or_rows(alice_client):
    content = csv_bytes([row()]) + b'"' + b"x" * 200_000
    response = upload(alice_client, content)
    assert response.status_code == 200
    assert not Session.objects.exists()


def test_no_file_is_a_form_error(alice_client):
    response = alice_client.post(reverse("providers:import"), {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_pages_require_login(client):
    for url, method in [
        (reverse("providers:import"), "get"),
        (reverse("providers:import"), "post"),
        (reverse("providers:import_confirm"), "post"),
        (reverse("providers:import_template", args=["csv"]), "get"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("providers:login"))


def test_account_of_no_provider_is_refused(client, charlie):
    client.force_login(charlie)
    assert client.get(reverse("providers:import")).status_code == 403
    assert client.get(reverse("providers:import_template", args=["xlsx"])).status_code == 403


def test_template_of_another_provider_is_404(alice_client, other_provider):
    url = reverse("providers:import_template", args=["csv"])
    assert alice_client.get(url, {"organisme": other_provider.pk}).status_code == 404
    assert alice_client.get(url, {"organisme": "abc"}).status_code == 404


def test_confirmation_after_leaving_the_provider_is_404(client, alice, provider, other_provider):
    other_provider.members.add(alice)
    client.force_login(alice)
    response = upload(client, csv_bytes([row()]), provider=provider.pk)
    token = response.context["token"]
    # Alice leaves the provider between the preview and the confirmation.
    provider.members.remove(alice)
    response = client.post(reverse("providers:import_confirm"), {"token": token})
    assert response.status_code == 404
    assert not Session.objects.exists()


def test_template_csv_has_the_header_and_an_example_row(alice_client, provider):
    TrainerFactory(provider=provider, first_name="Chantal", last_name="Dupré")
    response = alice_client.get(reverse("providers:import_template", args=["csv"]))
    assert response.status_code == 200
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == list(COLUMNS)
    assert len(table) == 2
    assert table[1][COLUMNS.index("intervenants")] == "Chantal Dupré"
    # The example row imports as it is.
    response = upload(alice_client, content)
    assert [r.status for r in response.context["preview"].rows] == ["new"]


def test_template_xlsx_lists_the_providers_sessions_and_reimports_unchanged(
    alice_client, provider, module_1
):
    with_reference = SessionFactory(provider=provider, module=module_1, reference="=G1")
    without = SessionFactory(provider=provider, module=module_1, label="-Groupe 2")
    SessionFactory(provider=provider, status=Session.Status.CANCELLED)
    response = alice_client.get(reverse("providers:import_template", args=["xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    cells = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert cells[0] == list(COLUMNS)
    references = [line[0] for line in cells[1:]]
    # A text that would start a formula is escaped with an apostrophe.
    assert references == ["'=G1", f"AV-{without.pk}"]
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)

    response = upload(alice_client, response.content, name="modele.xlsx")
    assert [r.status for r in response.context["preview"].rows] == ["unchanged", "unchanged"]
    with_reference.refresh_from_db()
    assert with_reference.reference == "=G1"


def test_upload_page_links_the_templates(alice_client):
    response = alice_client.get(reverse("providers:import"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("providers:import_template", args=["xlsx"]) in page
    assert reverse("providers:import_template", args=["csv"]) in page


def test_several_providers_choose_one(client, alice, provider, other_provider):
    other_provider.members.add(alice)
    client.force_login(alice)
    response = upload(client, csv_bytes([row()]), provider=other_provider.pk)
    confirm(client, response)
    assert Session.objects.get().provider == other_provider
    url = reverse("providers:import_template", args=["csv"])
    assert client.get(url).status_code == 404
    assert client.get(url, {"organisme": provider.pk}).status_code == 200


def test_template_costs_the_same_queries_whatever_the_number_of_sessions(
    alice_client, provider, module_1, django_assert_max_num_queries
):
    url = reverse("providers:import_template", args=["xlsx"])
    SessionFactory(provider=provider, module=module_1)
    with django_assert_max_num_queries(12) as one:
        alice_client.get(url)
    for _index in range(5):
        session = SessionFactory(provider=provider, module=module_1)
        session.trainers.add(TrainerFactory(provider=provider))
    with django_assert_max_num_queries(len(one.captured_queries)):
        alice_client.get(url)


def test_tab_separated_file_is_read(alice_client):
    response = upload(alice_client, csv_bytes([row()], delimiter="\t"))
    assert [r.status for r in response.context["preview"].rows] == ["new"]


def test_many_blank_rows_are_refused_quickly(alice_client, settings):
    settings.SESSION_IMPORT_MAX_ROWS = 10
    content = csv_bytes([row()]) + b";;;\r\n" * 10_000
    assert "lignes vides" in file_error(upload(alice_client, content))


def test_a_workbook_row_far_down_is_refused_quickly(alice_client, settings):
    settings.SESSION_IMPORT_MAX_ROWS = 10
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(row())
    sheet.cell(row=1_000_000, column=1, value="loin")
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(alice_client, buffer.getvalue(), name="sessions.xlsx")
    assert "lignes vides" in file_error(response)


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(alice_client, settings):
    settings.SESSION_IMPORT_MAX_BYTES = 1_000
    content = csv_bytes([row(reference=f"R{index}") for index in range(1_000)])
    assert len(content) > 1_000 + 64 * 1024
    response = upload(alice_client, content)
    assert response.status_code == 413
    assert "taille maximale" in file_error(response)
    assert not Session.objects.exists()


def test_the_upload_checks_csrf(alice, provider):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = upload(strict, csv_bytes([row()]))
    assert response.status_code == 403
    assert "preview" not in (response.context or {})
    page = strict.get(reverse("providers:import"))
    token = page.cookies["csrftoken"].value
    response = upload(strict, csv_bytes([row()]), csrfmiddlewaretoken=token)
    assert response.status_code == 200
    assert [r.status for r in response.context["preview"].rows] == ["new"]

"""A session's participants as CSV and XLSX in the providers' space: parsed back, with the
formula cells escaped, the statuses in words and the waiting-list positions."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from enrolment.models import Enrolment
from tests.factories import EmployerFactory, EnrolmentFactory, TraineeFactory

from .conftest import pending_enrolment
from .test_query_counts import queries_for

pytestmark = pytest.mark.django_db

HEADER = [
    "Nom",
    "Prénom",
    "E-mail",
    "Téléphone",
    "Métier",
    "Structure employeuse",
    "SIRET",
    "Statut",
    "Position en liste d'attente",
]


def url(session, file_format):
    return f"/espace-organisme/sessions/{session.pk}/participants.{file_format}"


def parse_csv(response):
    content = response.content
    assert content.startswith("\ufeff".encode())  # the BOM French Excel needs
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def parse_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = [["" if cell is None else cell for cell in row] for row in workbook.active.values]
    workbook.close()
    # Read-only mode leaves out a row's empty cells at its end.
    return [row + [""] * (len(HEADER) - len(row)) for row in rows]


def waitlisted(session, minutes_ago, **fields):
    return EnrolmentFactory(
        session=session,
        status=Enrolment.Status.WAITLISTED,
        waitlisted_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        **fields,
    )


@pytest.fixture
def participants(session):
    employer = EmployerFactory(name='=HYPERLINK("http://evil.example")', siret="73282932000074")
    confirmed = EnrolmentFactory(
        session=session,
        trainee=TraineeFactory(
            first_name="Léa", last_name="+Bernard", email="lea@structure.example.org"
        ),
        employer=employer,
    )
    pending = pending_enrolment(
        session,
        trainee=TraineeFactory(last_name="Durand", job="autre", job_other="@Médiatrice"),
    )
    second = waitlisted(session, 10, trainee=TraineeFactory(last_name="-Zola"))
    first = waitlisted(session, 30, trainee=TraineeFactory(last_name="Moreau"))
    EnrolmentFactory(session=session, status=Enrolment.Status.CANCELLED)
    EnrolmentFactory(session=session, status=Enrolment.Status.REFUSED)
    return confirmed, pending, first, second


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_lists_confirmed_pending_then_waitlist_in_order(
    alice_client, session, participants, file_format
):
    response = alice_client.get(url(session, file_format))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert (
        f"participants-module-{session.module.number}-groupe-1-orleans.{file_format}"
        in (response["Content-Disposition"])
    )
    rows = parse_csv(response) if file_format == "csv" else parse_xlsx(response)
    assert rows[0] == HEADER
    body = rows[1:]
    assert [row[0] for row in body] == ["'+Bernard", "Durand", "Moreau", "'-Zola"]
    assert [row[7] for row in body] == ["Confirmée", "À valider", "Liste d'attente"] + [
        "Liste d'attente"
    ]
    positions = [str(row[8]) for row in body]
    assert positions == ["", "", "1", "2"]
    lea = body[0]
    assert lea[1:4] == ["Léa", "lea@structure.example.org", "06 12 34 56 78"]
    assert lea[4] == "Assistant(e) de service social"
    # What a spreadsheet would run as a formula is text, behind an apostrophe.
    assert lea[5] == '\'=HYPERLINK("http://evil.example")'
    assert lea[6] == "73282932000074"
    assert body[1][4] == "'@Médiatrice"


def test_xlsx_cells_are_strings_never_formulas(alice_client, session, participants):
    response = alice_client.get(url(session, "xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    for row in workbook.active.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_another_providers_session_is_not_found(alice_client, other_session):
    EnrolmentFactory(session=other_session)
    for file_format in ("csv", "xlsx"):
        assert alice_client.get(url(other_session, file_format)).status_code == 404


def test_an_unknown_format_is_not_found(alice_client, session):
    assert (
        alice_client.get(f"/espace-organisme/sessions/{session.pk}/participants.pdf").status_code
        == 404
    )


def test_export_requires_login(client, session):
    response = client.get(url(session, "csv"))
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_session_page_links_to_the_exports_and_the_grid(alice_client, session):
    content = alice_client.get(f"/espace-organisme/sessions/{session.pk}/").content.decode()
    assert url(session, "csv") in content
    assert url(session, "xlsx") in content
    assert f"/espace-organisme/sessions/{session.pk}/presences/" in content


def add_participants(session, count):
    for index in range(count):
        status = ["confirmed", "pending", "waitlisted"][index % 3]
        EnrolmentFactory(
            session=session,
            status=status,
            trainee=TraineeFactory(employer=EmployerFactory()),
            employer=EmployerFactory(),
            waitlisted_at=timezone.now() if status == "waitlisted" else None,
            prerequisite_basis="practice",
            prerequisite_practice="Maraudes.",
        )


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_runs_the_same_queries_for_3_and_30_participants(
    alice_client, session, other_session, file_format
):
    add_participants(session, 3)
    add_participants(other_session, 30)
    with_3 = queries_for(alice_client, url(session, file_format))
    other_session.provider = session.provider
    other_session.save()
    with_30 = queries_for(alice_client, url(other_session, file_format))
    assert with_3 == with_30

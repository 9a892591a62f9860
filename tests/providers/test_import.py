"""The spreadsheet upload: the preview checks every row and writes nothing; the confirmation
writes every row through the lifecycle services, or nothing."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue.models import Session
from enrolment.models import SessionChangeRequest, Transition
from tests.factories import ModuleFactory, SessionFactory, TrainerFactory

from .import_helpers import (
    HEADER,
    confirm,
    csv_bytes,
    errors_of,
    fr,
    future,
    row,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def modules(db):
    return [
        ModuleFactory(number=1, title="Aller vers : une nécessaire préparation"),
        ModuleFactory(number=2, title="Aller vers : une mise en pratique outillée"),
    ]


@pytest.fixture
def trainer(provider):
    return TrainerFactory(provider=provider, first_name="Chantal", last_name="Dupré")


def test_good_csv_is_previewed_without_writing_then_imported(alice_client, provider, trainer):
    content = csv_bytes(
        [row(intervenants="Chantal Dupré"), row(reference="2026-G2", groupe="Groupe 2")]
    )
    response = upload(alice_client, content)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [r.status for r in preview.rows] == ["new", "new"]
    assert not preview.errors
    assert not Session.objects.exists()

    response = confirm(alice_client, response)
    assert response.status_code == 302
    sessions = Session.objects.order_by("reference")
    assert [(s.reference, s.status, s.provider) for s in sessions] == [
        ("2026-G1", "submitted", provider),
        ("2026-G2", "submitted", provider),
    ]
    first = sessions[0]
    assert first.module.number == 1
    assert (first.department, first.region) == ("45", "Centre-Val de Loire")
    assert list(first.trainers.all()) == [trainer]
    days = first.sorted_days
    assert [day.date for day in days] == [future(60), future(61)]
    assert (days[0].morning_start, days[0].afternoon_end) == (
        datetime.time(9, 0),
        datetime.time(17, 0),
    )


def test_the_same_file_twice_changes_nothing_the_second_time(alice_client, provider):
    content = csv_bytes([row(), row(reference="2026-G2")])
    confirm(alice_client, upload(alice_client, content))
    stamps = list(Session.objects.order_by("pk").values_list("updated_at", flat=True))
    transitions = Transition.objects.count()

    response = upload(alice_client, content)
    assert [r.status for r in response.context["preview"].rows] == ["unchanged", "unchanged"]
    assert response.context["token"] is None
    assert "Rien à importer" in html.unescape(response.content.decode())
    assert list(Session.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert Transition.objects.count() == transitions


def test_known_reference_updates_its_session(alice_client, provider):
    session = SessionFactory(
        provider=provider,
        reference="2026-G1",
        status=Session.Status.SUBMITTED,
        module=ModuleFactory(number=1),
        city="Tours",
        postcode="37000",
        department="37",
        capacity=10,
        min_participants=4,
    )
    response = upload(alice_client, csv_bytes([row(places="15", ville="Orléans")]))
    [preview_row] = response.context["preview"].rows
    assert preview_row.status == "changed"
    assert "capacity" in preview_row.changes
    assert (preview_row.changes["capacity"].old, preview_row.changes["capacity"].new) == (10, 15)
    assert "Places\u00a0: 10 → 15" in html.unescape(response.content.decode())

    confirm(alice_client, response)
    assert Session.objects.count() == 1
    session.refresh_from_db()
    assert (session.capacity, session.city, session.postcode) == (15, "Orléans", "45000")


def test_a_published_sessions_change_waits_for_the_opco(alice_client, provider):
    session = SessionFactory(provider=provider, reference="2026-G1", module=ModuleFactory(number=1))
    response = upload(alice_client, csv_bytes([row(places="20")]))
    [preview_row] = response.context["preview"].rows
    assert preview_row.status == "changed"
    assert preview_row.changes.needs_approval
    confirm(alice_client, response)
    session.refresh_from_db()
    assert session.capacity == 12
    assert SessionChangeRequest.objects.get(session=session).fields["capacity"] == 20


def test_allervers_number_names_a_session_without_reference(alice_client, provider):
    session = SessionFactory(provider=provider, status=Session.Status.SUBMITTED, capacity=12)
    response = upload(alice_client, csv_bytes([row(reference=f"AV-{session.pk}", places="14")]))
    [preview_row] = response.context["preview"].rows
    assert preview_row.status == "changed", preview_row.errors
    confirm(alice_client, response)
    session.refresh_from_db()
    assert session.capacity == 14
    assert session.reference == ""
    assert Session.objects.count() == 1


def test_another_providers_session_is_an_error(alice_client, other_session):
    response = upload(alice_client, csv_bytes([row(reference=f"AV-{other_session.pk}")]))
    [(number, column, message)] = errors_of(response)
    assert (number, column) == (2, "reference")
    assert "n'est pas une session de votre organisme" in message
    # The same answer for a number that exists nowhere: the file tells nobody which exist.
    missing = upload(alice_client, csv_bytes([row(reference="AV-999999")]))
    assert errors_of(missing)[0][2] == message.replace(str(other_session.pk), "999999")


def test_another_providers_reference_is_not_this_providers(alice_client, other_session):
    other_session.reference = "2026-G1"
    other_session.save()
    response = upload(alice_client, csv_bytes([row(reference="2026-G1")]))
    assert [r.status for r in response.context["preview"].rows] == ["new"]
    confirm(alice_client, response)
    other_session.refresh_from_db()
    assert other_session.city == "Tours"
    assert Session.objects.filter(reference="2026-G1").count() == 2


def test_every_error_is_listed_with_row_and_column_and_nothing_is_written(alice_client, provider):
    first = future(60)
    rows = [
        row(),
        row(reference="B", module="7"),
        row(reference="C", dates="31/02/2027"),
        row(reference="D", date_limite=fr(first + datetime.timedelta(days=3))),
        row(reference="E", places="4", minimum="6"),
        row(reference="2026-G1"),
        row(reference="F", intervenants="Inconnu Personne; Autre Inconnu"),
        row(reference="G", code_postal="ABCDE", horaires="le matin"),
    ]
    response = upload(alice_client, csv_bytes(rows))
    errors = errors_of(response)
    by_row = {}
    for number, column, message in errors:
        by_row.setdefault(number, []).append((column, message))
    assert 2 not in by_row
    assert [c for c, _m in by_row[3]] == ["module"]
    assert "Module inconnu" in by_row[3][0][1]
    assert [c for c, _m in by_row[4]] == ["dates"]
    assert "date_limite" in [c for c, _m in by_row[5]]
    assert [c for c, _m in by_row[6]] == ["minimum"]
    assert by_row[7] == [("reference", by_row[7][0][1])]
    assert "ligne 2" in by_row[7][0][1]
    assert [c for c, _m in by_row[8]] == ["intervenants"]
    assert "Inconnu Personne" in by_row[8][0][1] and "Autre Inconnu" in by_row[8][0][1]
    assert sorted(c for c, _m in by_row[9]) == ["code_postal", "horaires"]
    # Each message is one sentence after its "Ligne n, colonne « x » :" (no colon of its own).
    assert not [message for _n, _c, message in errors if "\u00a0:" in message]
    assert response.context["token"] is None
    page = html.unescape(response.content.decode())
    assert "Ligne 3, colonne «\u00a0module\u00a0»" in page
    assert "Confirmer l'import" not in page
    assert not Session.objects.exists()


def test_a_cut_below_the_seats_held_is_an_error(alice_client, provider):
    from tests.factories import EnrolmentFactory

    session = SessionFactory(
        provider=provider,
        reference="2026-G1",
        status=Session.Status.SUBMITTED,
        module=ModuleFactory(number=1),
        min_participants=1,
    )
    for _index in range(3):
        EnrolmentFactory(session=session)
    response = upload(alice_client, csv_bytes([row(places="2", minimum="1")]))
    [(number, column, message)] = errors_of(response)
    assert (number, column) == (2, "places")
    assert "3" in message


def test_confirmation_writes_nothing_when_the_data_changed_meanwhile(alice_client, provider):
    response = upload(alice_client, csv_bytes([row(), row(reference="2026-G2")]))
    # Another member takes the second reference before the confirmation.
    SessionFactory(provider=provider, reference="2026-G2", status=Session.Status.SUBMITTED)
    before = Session.objects.count()
    response = confirm(alice_client, response)
    assert response.status_code == 409
    assert [e.row for e in response.context["rejected"]] == [3]
    assert Session.objects.count() == before


def test_a_preview_is_confirmed_once(alice_client, provider):
    response = upload(alice_client, csv_bytes([row()]))
    confirm(alice_client, response)
    again = confirm(alice_client, response)
    assert again.status_code == 302
    assert again.url == reverse("providers:import")
    assert Session.objects.count() == 1


def test_a_forged_token_imports_nothing(alice_client, provider):
    upload(alice_client, csv_bytes([row()]))
    response = alice_client.post(reverse("providers:import_confirm"), {"token": "forged"})
    assert response.status_code == 302
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom"),
    [(";", "utf-8", False), (",", "utf-8", False), (";", "utf-8", True), (";", "cp1252", False)],
    ids=["semicolon", "comma", "bom", "windows-1252"],
)
def test_csv_variants(alice_client, provider, delimiter, encoding, bom):
    content = csv_bytes(
        [row(ville="Chambray-lès-Tours", code_postal="37170", lieu="Salle « Émile »")],
        delimiter=delimiter,
        encoding=encoding,
        bom=bom,
    )
    response = upload(alice_client, content)
    assert not errors_of(response)
    confirm(alice_client, response)
    session = Session.objects.get()
    assert (session.city, session.venue_name) == ("Chambray-lès-Tours", "Salle « Émile »")


def test_xlsx_with_real_date_and_number_cells(alice_client, provider):
    first = future(60)
    cells = row(dates=None, date_limite=None, places=None, minimum=None, code_postal=None)
    index = {column: HEADER.index(column) for column in HEADER}
    cells[index["dates"]] = datetime.datetime.combine(first, datetime.time())
    cells[index["date_limite"]] = first - datetime.timedelta(days=10)
    cells[index["places"]] = 12
    cells[index["minimum"]] = 6.0
    cells[index["code_postal"]] = 1000  # 01000: the spreadsheet dropped the zero
    cells[index["module"]] = 1
    response = upload(alice_client, xlsx_bytes([cells]), name="sessions.xlsx")
    assert not errors_of(response), errors_of(response)
    confirm(alice_client, response)
    session = Session.objects.get()
    assert [day.date for day in session.sorted_days] == [first]
    assert (session.postcode, session.department, session.capacity) == ("01000", "01", 12)


def test_xlsx_formula_is_an_error_never_computed(alice_client, provider):
    cells = row()
    cells[HEADER.index("places")] = "=10+2"
    response = upload(alice_client, xlsx_bytes([cells]), name="sessions.xlsx")
    [(number, column, message)] = errors_of(response)
    assert (number, column) == (2, "places")
    assert "formule" in message
    assert not Session.objects.exists()


def test_module_by_title_and_hours_per_day(alice_client, provider):
    response = upload(
        alice_client,
        csv_bytes(
            [
                row(
                    module="aller vers : une mise en pratique outillée",
                    horaires="9h-12h30 ; 13h30-16h",
                )
            ]
        ),
    )
    assert not errors_of(response), errors_of(response)
    confirm(alice_client, response)
    session = Session.objects.get()
    assert session.module.number == 2
    morning_only, afternoon_only = session.sorted_days
    assert (morning_only.morning_start, morning_only.afternoon_start) == (
        datetime.time(9, 0),
        None,
    )
    assert afternoon_only.afternoon_end == datetime.time(16, 0)


def test_disability_contact_is_read_from_one_cell(alice_client, provider):
    content = csv_bytes([row(contact_handicap="Sam Leroy, sam.leroy@example.org, 02 38 42 28 31")])
    confirm(alice_client, upload(alice_client, content))
    session = Session.objects.get()
    assert (
        session.disability_contact_name,
        session.disability_contact_email,
        session.disability_contact_phone,
    ) == ("Sam Leroy", "sam.leroy@example.org", "02 38 42 28 31")


def test_extra_columns_warn(alice_client, provider):
    response = upload(
        alice_client, csv_bytes([[*row(), "à voir"]], header=[*HEADER, "commentaire"])
    )
    warnings = " ".join(response.context["preview"].warnings)
    assert "«\u00a0commentaire\u00a0»" in warnings
    assert not errors_of(response)


@pytest.mark.parametrize("missing", ["lieu", "horaires", "intervenants", "contact_handicap"])
def test_every_column_is_required_even_where_its_cells_may_be_empty(
    alice_client, provider, missing
):
    # A file without "intervenants" used to clear the trainers of the sessions it updated.
    header = [c for c in HEADER if c != missing]
    cells = [c for c, name in zip(row(), HEADER, strict=True) if name != missing]
    response = upload(alice_client, csv_bytes([cells], header=header))
    assert "preview" not in response.context
    assert f"«\u00a0{missing}\u00a0»" in " ".join(response.context["form"].errors["file"])


def test_missing_required_column_is_a_form_error_naming_it(alice_client, provider):
    header = [c for c in HEADER if c != "dates"]
    cells = [c for c, name in zip(row(), HEADER, strict=True) if name != "dates"]
    response = upload(alice_client, csv_bytes([cells], header=header))
    assert response.status_code == 200
    assert "preview" not in response.context
    assert "«\u00a0dates\u00a0»" in " ".join(response.context["form"].errors["file"])


def test_csv_cell_that_a_spreadsheet_would_compute_is_an_error(alice_client, provider):
    response = upload(alice_client, csv_bytes([row(groupe='=HYPERLINK("http://x")')]))
    [(number, column, message)] = errors_of(response)
    assert (number, column) == (2, "groupe")
    assert "formule" in message
    # The template's escape (a leading apostrophe) is text, read without the apostrophe.
    response = upload(alice_client, csv_bytes([row(groupe="'=Groupe 1")]))
    assert not errors_of(response)
    confirm(alice_client, response)
    assert Session.objects.get().label == "=Groupe 1"


def test_the_template_read_back_changes_nothing_and_keeps_the_opcos_trainers(
    alice_client, provider, trainer
):
    added_by_opco = TrainerFactory(first_name="Karim", last_name="Benali")
    session = SessionFactory(provider=provider, reference="2026-G1", module=ModuleFactory(number=1))
    session.trainers.set([trainer, added_by_opco])

    template = alice_client.get(reverse("providers:import_template", args=["csv"])).content
    assert "Karim Benali" not in template.decode("utf-8-sig")
    response = upload(alice_client, template)

    assert not errors_of(response)
    assert [r.status for r in response.context["preview"].rows] == ["unchanged"]
    # A file that names the provider's trainers only: the OPCO's stays.
    rows = [row(intervenants="Chantal Dupré", places="15")]
    response = upload(alice_client, csv_bytes(rows))
    [preview_row] = response.context["preview"].rows
    assert "trainers" not in preview_row.changes
    confirm(alice_client, response)
    assert set(session.trainers.all()) == {trainer, added_by_opco}


def test_a_formula_in_the_session_columns_shows_as_its_text(alice_client, provider):
    response = upload(alice_client, csv_bytes([row(groupe="=1+1", ville="Nantes")]))
    page = html.unescape(response.content.decode())
    assert "=1+1, Nantes" in page
    assert "Formula(" not in page


def test_a_days_error_is_one_sentence_with_its_row_and_column(alice_client, provider):
    first = future(60)
    response = upload(
        alice_client, csv_bytes([row(date_limite=fr(first + datetime.timedelta(days=3)))])
    )
    page = html.unescape(response.content.decode())
    sentence = f"{fr(first)}\u00a0– une journée doit suivre la date limite d'inscription."
    assert f"Ligne 2, colonne «\u00a0dates\u00a0»\u00a0: {sentence}" in page
    assert f"Colonne «\u00a0dates\u00a0»\u00a0: {sentence}" in page
    assert "\u00a0: Une journée" not in page


def test_preview_queries_grow_by_a_few_per_row(alice_client, provider, trainer):
    def file(count):
        rows = []
        for number in range(count):
            reference = f"R{number}"
            session = SessionFactory(
                provider=provider, reference=reference, module=ModuleFactory(number=1)
            )
            session.trainers.set([trainer])
            dates = ";".join(fr(day.date) for day in session.days.order_by("date"))
            rows.append(
                row(
                    reference=reference,
                    dates=dates,
                    date_limite=fr(session.registration_deadline),
                    groupe=session.label,
                    adresse=session.venue_address,
                    lieu=session.venue_name,
                    intervenants="Chantal Dupré",
                    places="15",
                )
            )
        return csv_bytes(rows)

    def queries(content):
        with CaptureQueriesContext(connection) as captured:
            response = upload(alice_client, content)
        assert not errors_of(response), errors_of(response)
        return len(captured)

    few = queries(file(2))
    Session.objects.all().delete()
    many = queries(file(12))
    # What each row costs: a changed published session's checks (its reference's uniqueness,
    # its day rows' uniqueness), no read of the session, its trainers or proposal again.
    assert (many - few) / 10 <= 3, (few, many)

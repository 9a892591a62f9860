"""A provider's member imports sessions from a spreadsheet, in a real browser: a file with one
bad row is refused with the row and the column of the error, the fixed file is imported."""

import re

import pytest
from playwright.sync_api import expect

from catalogue.models import Session
from tests.factories import ModuleFactory, ProviderFactory, UserFactory
from tests.providers.import_helpers import csv_bytes, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-solide-42"


@pytest.fixture
def member():
    ModuleFactory(number=1, title="Aller vers : une nécessaire préparation")
    provider = ProviderFactory(name="Croix-Rouge française")
    user = UserFactory(email="ines@croix-rouge.example.org")
    provider.members.add(user)
    return user


def test_member_fixes_a_bad_row_and_imports(page, live_server, member, tmp_path):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    bad = tmp_path / "sessions.csv"
    bad.write_bytes(csv_bytes([row(), row(reference="2026-G2", groupe="Groupe 2", module="9")]))
    good = tmp_path / "sessions-corrige.csv"
    good.write_bytes(csv_bytes([row(), row(reference="2026-G2", groupe="Groupe 2", module="1")]))

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(member.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name=re.compile("Importer des sessions")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer des sessions")

    page.get_by_label("Fichier des sessions (CSV ou XLSX)").set_input_files(bad)
    page.get_by_role("button", name="Vérifier le fichier").click()

    summary = page.locator("#erreurs")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Ligne 3, colonne «\u00a0module\u00a0»")
    expect(summary).to_contain_text("Module inconnu")
    expect(page.get_by_role("button", name="Confirmer l'import")).to_have_count(0)
    assert not Session.objects.exists()

    page.get_by_label("Fichier des sessions (CSV ou XLSX)").set_input_files(good)
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.locator("#erreurs")).to_have_count(0)
    expect(page.get_by_role("table")).to_contain_text("Nouvelle")
    page.get_by_role("button", name="Confirmer l'import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Espace organisme")
    expect(page.get_by_role("status").first).to_contain_text("2 sessions créées")
    assert sorted(Session.objects.values_list("reference", "status")) == [
        ("2026-G1", "submitted"),
        ("2026-G2", "submitted"),
    ]
    assert violations == []

"""An OPCO manager, in a real browser, finds a provider's submitted session one filter away,
publishes it through the confirmation step and downloads its attendance sheet (PDF)."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from accounts.permissions import sync_opco_staff_group
from catalogue.models import OpcoStaff, Session
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-solide-42"


def test_opco_manager_publishes_a_submitted_session_and_downloads_its_sheet(page, live_server):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    session = SessionFactory(status=Session.Status.SUBMITTED, label="Groupe Tours", trainers=True)
    SessionFactory(status=Session.Status.PUBLISHED, label="Groupe déjà publié")
    manager = UserFactory(email="claire@opco-sante.example.org", is_staff=True)
    # A transactional test empties the tables, the migration's group with them.
    manager.groups.add(sync_opco_staff_group(apps))
    OpcoStaff.objects.create(user=manager, opco=session.opco)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label(re.compile("Adresse e-mail|Adresse électronique|E-mail", re.I)).fill(
        manager.email
    )
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto(f"{live_server.url}/admin/catalogue/session/")

    # One filter away: the providers' proposals.
    page.get_by_role("link", name="à examiner (nouvelles ou modifiées)").click()
    results = page.locator("#result_list")
    expect(results).to_contain_text("Groupe Tours")
    expect(results).not_to_contain_text("Groupe déjà publié")
    expect(results).to_contain_text("nouvelle, à examiner")
    results.get_by_role("link", name="Groupe Tours").click()

    page.get_by_role("button", name="Publier…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publier la session")
    expect(page.locator("#content")).to_contain_text("prête à être publiée")
    expect(page.locator("#content")).to_contain_text("jamais publiée")
    page.get_by_role("button", name="Publier la session").click()

    expect(page.locator(".messagelist")).to_contain_text("1 session publiée.")
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Feuille d'émargement (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert violations == []


def test_session_list_fits_1366_px_and_buttons_leave_titles_alone(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    session = SessionFactory(
        label="Groupe au nom assez long pour occuper la ligne", trainers=True, starts_in=40
    )
    for index in range(5):
        SessionFactory(label=f"Groupe {index}", starts_in=30 + index)
    enrolment = EnrolmentFactory(session=session)
    manager = UserFactory(email="claire@opco-sante.example.org", is_staff=True)
    manager.groups.add(sync_opco_staff_group(apps))
    OpcoStaff.objects.create(user=manager, opco=session.opco)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label(re.compile("Adresse e-mail|Adresse électronique|E-mail", re.I)).fill(
        manager.email
    )
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    page.goto(f"{live_server.url}/admin/catalogue/session/")
    expect(page.locator("#result_list")).to_contain_text("min 6")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Nor inside the list's own scrolling box.
    assert page.evaluate(
        "document.querySelector('#result_list').offsetWidth"
        " <= document.querySelector('#changelist .results').clientWidth"
    )

    for path in (
        f"/admin/catalogue/session/{session.pk}/change/",
        f"/admin/enrolment/enrolment/{enrolment.pk}/change/",
    ):
        page.goto(live_server.url + path)
        title = page.locator("#content h1").bounding_box()
        tools = page.locator(".object-tools").bounding_box()
        assert title and tools
        # The tools sit below the title, never over it.
        assert tools["y"] >= title["y"] + title["height"] - 1, path

"""The staff's dashboard in a real browser: an OPCO manager reaches it from the admin's index,
the charts show, a chart's figures open from the keyboard, and the policy reports no
violation."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from accounts.permissions import sync_opco_staff_group
from catalogue.models import OpcoStaff
from enrolment.models import Enrolment
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-solide-42"


def test_an_opco_manager_reads_the_dashboard(page, live_server):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    staff = UserFactory(email="gestion@opco.example.org", is_staff=True)
    # A transactional test empties the tables, the migration's group with them.
    staff.groups.add(sync_opco_staff_group(apps))
    session = SessionFactory(label="Groupe 3", city="Tours")
    EnrolmentFactory(session=session)
    EnrolmentFactory(session=session, status=Enrolment.Status.PENDING)
    OpcoStaff.objects.create(user=staff, opco=session.opco)

    response = page.goto(f"{live_server.url}/admin/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label(re.compile("Adresse e-mail|Adresse électronique|E-mail", re.I)).fill(
        staff.email
    )
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.get_by_role("link", name="Tableau de bord").click()

    expect(page.get_by_role("heading", level=1, name="Tableau de bord")).to_be_visible()
    chart = page.get_by_role("img", name="Remplissage des sessions publiées à venir")
    expect(chart).to_be_visible()
    expect(page.get_by_text("2 / 12 · min 6 · sous le minimum").first).to_be_visible()
    figures = page.get_by_text("Les chiffres par mois")
    figures.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("table", name="Inscriptions reçues par mois")).to_be_visible()
    assert violations == []

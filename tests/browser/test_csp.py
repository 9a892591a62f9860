"""The Content-Security-Policy in a real browser: the pages work and Chromium reports no
violation (it logs each one to the console), the error summary's focus included: the script that
moves it is a file now, not an inline script that the policy would refuse."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from accounts.permissions import sync_opco_staff_group
from catalogue.models import OpcoStaff
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-solide-42"


def assert_policy(response):
    """The page came with the policy, so that "no violation" means something."""
    directives = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    assert "script-src 'self'" in directives


@pytest.fixture
def violations(page):
    """What Chromium says about the policy while the test runs: must stay empty."""
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_enrolment_form_error_path_has_no_csp_violation(page, live_server, violations):
    session = SessionFactory()

    page.goto(f"{live_server.url}/sessions/{session.pk}/inscription/")
    with page.expect_response(re.compile(r"/inscription/$")) as sent:
        page.get_by_role("button", name="Envoyer mon inscription").click()
    assert_policy(sent.value)

    summary = page.locator("#erreurs")
    expect(summary).to_be_focused()
    assert violations == []


def test_public_pages_have_no_csp_violation(page, live_server, violations):
    session = SessionFactory()

    for path in ["/", "/sessions/", session.get_absolute_url(), "/connexion/"]:
        assert_policy(page.goto(live_server.url + path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    # Bootstrap's script runs: the menu of a narrow screen opens.
    page.set_viewport_size({"width": 400, "height": 800})
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Les modules")).to_be_visible()
    assert violations == []


def test_admin_login_and_change_pages_have_no_csp_violation(page, live_server, violations):
    staff = UserFactory(email="gestion@opco.example.org", is_staff=True)
    # A transactional test empties the tables, the migration's group with them.
    staff.groups.add(sync_opco_staff_group(apps))
    enrolment = EnrolmentFactory(session=SessionFactory())
    OpcoStaff.objects.create(user=staff, opco=enrolment.session.opco)

    assert_policy(page.goto(f"{live_server.url}/admin/"))
    page.get_by_label(re.compile("Adresse e-mail|Adresse électronique|E-mail", re.I)).fill(
        staff.email
    )
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.locator("#site-name")).to_be_visible()

    for path in [
        "/admin/catalogue/session/",
        f"/admin/catalogue/session/{enrolment.session_id}/change/",
        f"/admin/enrolment/enrolment/{enrolment.pk}/change/",
        "/admin/enrolment/trainee/",
    ]:
        assert_policy(page.goto(live_server.url + path))
        expect(page.locator("#content")).to_be_visible()
    assert violations == []

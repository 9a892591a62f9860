"""A social worker's path, in a real browser: find a session, read its fiche, enrol."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from enrolment.models import Enrolment
from tests.factories import ModuleFactory, ProviderFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def orleans_session():
    return SessionFactory(
        module=ModuleFactory(number=1, title="Aller vers : une nécessaire préparation"),
        provider=ProviderFactory(name="Croix-Rouge française"),
        city="Orléans",
        capacity=12,
    )


def fill_enrolment_form(page):
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label(re.compile(r"^\s*Nom\W*$")).fill("Bernard")
    page.get_by_label("E-mail professionnel").fill("lea.bernard@ccas-orleans.example.org")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    job = page.get_by_label(re.compile(r"^\s*Métier\W*$"))
    job.select_option(label="Assistant(e) de service social")
    page.get_by_label("Niveau de diplôme").select_option(value="6")
    page.get_by_label("Nom de la structure").fill("CCAS d'Orléans")
    page.get_by_label("SIRET de la structure").fill("732 829 320 00074")
    page.get_by_label("Code postal").fill("45000")
    page.get_by_label("Ville").fill("Orléans")
    page.get_by_label("Nom du responsable qui donne son accord").fill("Paul Martin")
    page.get_by_label("E-mail du responsable").fill("paul.martin@ccas-orleans.example.org")
    page.get_by_label("J'accepte le traitement de mes données").check()


def test_trainee_finds_a_session_without_accents_and_enrols(page, live_server, orleans_session):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Les sessions").first.click()
    page.get_by_label("Rechercher").fill("orleans")
    page.get_by_role("button", name=re.compile("Rechercher|Filtrer|Afficher")).first.click()
    expect(page.get_by_text("Orléans").first).to_be_visible()

    page.get_by_role(
        "link", name=re.compile("Aller vers : une nécessaire préparation")
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Module 1")
    page.get_by_role("link", name="S'inscrire", exact=True).click()

    # Sending the empty form: a focused summary links to each field, nothing is created.
    page.get_by_role("button", name="Envoyer mon inscription").click()
    summary = page.locator("#erreurs")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link").first).to_be_visible()
    assert not Enrolment.objects.exists()

    fill_enrolment_form(page)
    page.get_by_role("button", name="Envoyer mon inscription").click()

    # The enrolment counts once the address is confirmed, from the link the mail carries.
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre boîte mail")
    assert Enrolment.objects.get().status == Enrolment.Status.UNCONFIRMED
    [message] = mail.outbox
    assert message.to == ["lea.bernard@ccas-orleans.example.org"]
    [link] = re.findall(r"https?://\S*/inscription/confirmer/[^/\s]+/", message.body)
    page.goto(live_server.url + urlsplit(link).path)
    page.get_by_role("button", name="Je confirme mon inscription").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("confirm", re.I))
    enrolment = Enrolment.objects.get()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.trainee.email == "lea.bernard@ccas-orleans.example.org"
    assert [message.to for message in mail.outbox] == [["lea.bernard@ccas-orleans.example.org"]] * 2


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page, live_server, db):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()

import re
from html import unescape

import pytest
from django.urls import reverse

from catalogue.models import Session
from tests.catalogue_pages.html import structure
from tests.factories import (
    ModuleFactory,
    PrerequisiteModuleFactory,
    ProviderFactory,
    SequenceFactory,
    SessionFactory,
)

PAGES = [
    "catalogue:home",
    "catalogue:session_list",
    "catalogue:archives",
    "catalogue:module_list",
    "catalogue:aller_vers",
    "catalogue:legal",
    "catalogue:privacy",
    "catalogue:accessibility",
]


def text_of(response):
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


@pytest.fixture
def programme():
    module_1 = ModuleFactory(
        number=1, slug="module-1", title="Aller vers : une nécessaire préparation"
    )
    module_2 = PrerequisiteModuleFactory(
        number=2,
        slug="module-2",
        title="Aller vers : une mise en pratique outillée, concertée et proactive",
        requires=module_1,
    )
    SequenceFactory(module=module_1, number=1, title="Les raisons de « l'aller vers », historique")
    SequenceFactory(
        module=module_2, number=4, title="Identifier les techniques de « l'aller vers »"
    )
    session = SessionFactory(module=module_1, city="Chambray-lès-Tours")
    return {"module_1": module_1, "module_2": module_2, "session": session}


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_public_page_has_the_base_structure(client, programme, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = structure(response)
    assert len(page.find_all("h1")) == 1, page.headings.get("h1")
    assert page.find_all("html", lang="fr")
    assert page.find_all("a", href="#contenu")  # skip link
    assert page.find_all("main", id="contenu")
    assert page.find_all("header") and page.find_all("footer")
    assert page.find_all("nav", **{"aria-label": "Navigation principale"})
    assert page.find_all("link", rel="canonical")
    assert page.find_all("meta", name="description")[0]["content"]
    assert page.unlabelled_controls() == []
    stylesheets = [link["href"] for link in page.find_all("link", rel="stylesheet")]
    assert stylesheets and all(href.startswith("/static/") for href in stylesheets)
    assert all(
        script["src"].startswith("/static/")
        for script in page.find_all("script")
        if "src" in script
    )
    for footer_page in ("catalogue:legal", "catalogue:privacy", "catalogue:accessibility"):
        assert page.find_all("a", href=reverse(footer_page))


@pytest.mark.django_db
def test_home_presents_the_programme_and_the_next_sessions(client, programme):
    html = text_of(client.get(reverse("catalogue:home")))
    assert "rompt avec l'idée que l'intervention sociale ferait systématiquement suite" in html
    assert "Aller vers : une nécessaire préparation" in html
    assert "Les raisons de « l'aller vers », historique" in html
    assert "Identifier les techniques de « l'aller vers »" in html
    assert "en priorité les travailleurs sociaux de niveau 6" in html
    assert "cofinancement de la DGCS" in html
    assert "les formations hors cadre" in html
    assert programme["session"].get_absolute_url() in html
    page = structure(client.get(reverse("catalogue:home")))
    assert page.find_all("input", name="q", type="search")
    assert page.find_all("form", action=reverse("catalogue:session_list"), method="get")


@pytest.mark.django_db
def test_home_without_sessions_says_so(client):
    html = text_of(client.get(reverse("catalogue:home")))
    assert "Aucune session n'est programmée pour le moment." in html


@pytest.mark.django_db
def test_aller_vers_page_cites_definitions_and_references(client, programme):
    html = text_of(client.get(reverse("catalogue:aller_vers")))
    assert "Note de cadrage de la formation « Aller vers »" in html
    assert "https://sante.gouv.fr/IMG/pdf/note_de_cadrage_aller_vers.pdf" in html
    assert "Avenel Cyprien" in html
    assert "Baillergeau" in html
    assert "Des liens et des lieux, l'aller-vers en pratiques" in html
    assert "Roland" in html and "Champ social" in html
    assert programme["module_2"].get_absolute_url() in html


@pytest.mark.django_db
def test_module_page_shows_the_fiche_its_sequences_and_its_sessions(client, programme):
    past = SessionFactory(
        module=programme["module_1"],
        registration_deadline=None,
        days=[programme["session"].first_day.replace(year=2020)],
    )
    SessionFactory(module=programme["module_1"], status=Session.Status.DRAFT, city="Brouillonville")
    response = client.get(programme["module_1"].get_absolute_url())
    html = text_of(response)
    assert "Les raisons de « l'aller vers », historique" in html
    assert programme["session"].get_absolute_url() in html
    assert past.get_absolute_url() in html  # in the past sessions list
    assert "Brouillonville" not in html
    assert len(structure(response).find_all("h1")) == 1


@pytest.mark.django_db
def test_module_2_page_names_its_prerequisite(client, programme):
    html = text_of(client.get(programme["module_2"].get_absolute_url()))
    assert "Avoir suivi" in html
    assert programme["module_1"].get_absolute_url() in html


@pytest.mark.django_db
def test_unknown_module_and_provider_are_not_found(client):
    assert client.get(reverse("catalogue:module_detail", args=["module-99"])).status_code == 404
    assert client.get(reverse("catalogue:provider_detail", args=["inconnu"])).status_code == 404


@pytest.mark.django_db
def test_provider_page_shows_contacts_and_upcoming_sessions(client):
    provider = ProviderFactory(
        name="Croix-Rouge française",
        slug="croix-rouge",
        disability_contact_name="Sam Leroy",
        disability_contact_email="handicap@croix-rouge.example.org",
    )
    session = SessionFactory(provider=provider)
    hidden = SessionFactory(provider=provider, status=Session.Status.SUBMITTED, city="Tours")
    response = client.get(provider.get_absolute_url())
    html = text_of(response)
    assert "Croix-Rouge française" in html
    assert "Sam Leroy" in html
    assert 'href="mailto:handicap@croix-rouge.example.org"' in html
    assert session.get_absolute_url() in html
    assert hidden.get_absolute_url() not in html


@pytest.mark.django_db
def test_privacy_page_states_retention_and_who_sees_the_data(client):
    html = text_of(client.get(reverse("catalogue:privacy")))
    assert "36 mois après la fin de la session" in html
    assert "personnels de l'OPCO" in html
    assert "organisme de formation de la session" in html
    assert "CNIL" in html


@pytest.mark.django_db
def test_accessibility_statement_is_honest_about_conformity(client):
    html = text_of(client.get(reverse("catalogue:accessibility")))
    assert "partiellement conforme" in html
    assert "RGAA" in html and "4.1" in html
    assert "Défenseur des droits" in html


@pytest.mark.django_db
def test_robots_txt_points_to_the_sitemap(client, settings):
    settings.SITE_URL = "https://allervers.example.org"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: https://allervers.example.org/sitemap.xml" in body


@pytest.mark.django_db
def test_sitemap_lists_public_pages_on_the_site_url(client, settings, programme):
    settings.SITE_URL = "https://allervers.example.org"
    draft = SessionFactory(status=Session.Status.DRAFT)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    base = "https://allervers.example.org"
    assert f"<loc>{base}/</loc>" in body
    assert f"<loc>{base}{programme['session'].get_absolute_url()}</loc>" in body
    assert f"<loc>{base}{programme['module_1'].get_absolute_url()}</loc>" in body
    assert f"<loc>{base}{programme['session'].provider.get_absolute_url()}</loc>" in body
    assert draft.get_absolute_url() not in body


@pytest.mark.django_db
def test_canonical_url_leaves_out_the_filters(client, settings):
    settings.SITE_URL = "https://allervers.example.org"
    response = client.get(reverse("catalogue:session_list"), {"region": "Bretagne"})
    canonical = structure(response).find_all("link", rel="canonical")[0]["href"]
    assert canonical == "https://allervers.example.org/sessions/"


@pytest.mark.django_db
def test_dates_are_written_in_full_french(client):
    import datetime

    session = SessionFactory(
        registration_deadline=datetime.date(2031, 5, 20),
        days=[datetime.date(2031, 6, 2), datetime.date(2031, 6, 3)],
    )
    html = text_of(client.get(reverse("catalogue:session_list")))
    assert "lundi 2 juin 2031" in html
    assert "mardi 3 juin 2031" in html
    assert session.get_absolute_url() in html

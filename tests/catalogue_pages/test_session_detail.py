import datetime
import json
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import ModuleDay, Session
from enrolment.selectors import registration_state
from tests.catalogue_pages.html import structure
from tests.factories import (
    EnrolmentFactory,
    FundingPartnerFactory,
    ModuleFactory,
    OpcoContactFactory,
    ProviderFactory,
    SessionFactory,
    TrainerFactory,
)
from website.selectors import session_page


def page_of(client, session):
    return client.get(reverse("catalogue:session_detail", args=[session.pk]))


def text_of(response):
    """The page's HTML with entities decoded and runs of white space collapsed."""
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


@pytest.fixture
def fiche():
    """Module 1 as run by PRAXIS in Metz, with the seeds' fields."""
    module = ModuleFactory(
        number=1,
        slug="module-1",
        title="Aller vers : une nécessaire préparation",
        sectors="Social et Médico-social",
        audience="Les travailleurs sociaux et les professionnels de première ligne",
        duration_days=2,
        duration_hours=14,
        objectives="Comprendre les raisons de l'aller vers\nDéfinir le besoin d'une pratique",
        prerequisites="Les candidats devront avoir un diplôme de niveau 5-6.",
        inter_session_work="Diagnostic et proposition d'axe de développement.",
    )
    ModuleDay.objects.create(
        module=module,
        number=1,
        title="Appréhender la démarche d'« Aller vers »",
        content="- Les enjeux sociétaux\n- La genèse de cette notion",
    )
    ModuleDay.objects.create(
        module=module, number=2, title="Définir les conditions de mise en œuvre", content=""
    )
    provider = ProviderFactory(
        name="PRAXIS",
        slug="praxis",
        disability_contact_name="Sam Leroy",
        disability_contact_email="handicap@praxis.example.org",
        disability_contact_phone="03 87 00 00 00",
    )
    contact = OpcoContactFactory(
        first_name="Aurore",
        last_name="Joannes",
        email="aurore.joannes@opco-sante.fr",
        phone="02 38 42 28 31",
    )
    first = datetime.date(2031, 6, 2)  # a Monday
    session = SessionFactory(
        module=module,
        provider=provider,
        label="Groupe 2",
        city="Metz",
        postcode="57000",
        department="57",
        region="Grand Est",
        venue_name="Maison des associations",
        venue_address="1 rue du Pont-Moreau",
        opco_contact=contact,
        registration_deadline=datetime.date(2031, 5, 1),
        days=[first, first + datetime.timedelta(days=1)],
        context="Penser à « ALLER VERS » doit permettre de réduire les inégalités.",
        published_at=timezone.now(),
    )
    second_day = session.days.get(date=first + datetime.timedelta(days=1))
    second_day.title = "« ALLER VERS », un élément incontournable"
    second_day.content = "Identification de la question du sens\nLes limites et les possibles"
    second_day.save()
    session.trainers.add(
        TrainerFactory(
            provider=provider, first_name="Chantal", last_name="Cornier", role="Chargée de projets"
        ),
        TrainerFactory(
            provider=provider,
            first_name="Jean-Xavier",
            last_name="Courot",
            role="Chef de service hébergement",
        ),
    )
    session.partners.add(FundingPartnerFactory())
    return session


@pytest.mark.django_db
def test_session_page_shows_every_field_of_the_fiche(client, fiche):
    response = page_of(client, fiche)
    assert response.status_code == 200
    html = text_of(response)
    expected = [
        "Social et Médico-social",
        "Les travailleurs sociaux et les professionnels de première ligne",
        "2 jours (14 heures)",
        "PRAXIS",
        "jeudi 1er mai 2031",  # deadline
        "lundi 2 juin 2031",
        "mardi 3 juin 2031",
        "de 9 h à 12 h 30",
        "de 13 h 30 à 17 h",
        "Maison des associations",
        "1 rue du Pont-Moreau",
        "57000 Metz",
        "Aurore Joannes",
        'href="mailto:aurore.joannes@opco-sante.fr"',
        'href="tel:+33238422831"',
        "Chantal Cornier",
        "Chargée de projets",
        "Jean-Xavier Courot",
        "Chef de service hébergement",
        "DGCS",
        "Penser à « ALLER VERS » doit permettre de réduire les inégalités.",
        "<li>Comprendre les raisons de l'aller vers</li>",
        "Les candidats devront avoir un diplôme de niveau 5-6.",
        "Diagnostic et proposition d'axe de développement.",
        "12 places",
    ]
    for text in expected:
        assert text in html, text


@pytest.mark.django_db
def test_programme_takes_each_day_from_the_session_else_from_the_module(client, fiche):
    html = text_of(page_of(client, fiche))
    # Day 1 has no text of its own: the module's day 1, one bullet per line.
    assert "Appréhender la démarche d'« Aller vers »" in html
    assert "<li>Les enjeux sociétaux</li>" in html
    # Day 2 has the provider's own title and content.
    assert "« ALLER VERS », un élément incontournable" in html
    assert "<li>Les limites et les possibles</li>" in html
    assert "Définir les conditions de mise en œuvre" not in html


@pytest.mark.django_db
def test_session_page_shows_the_providers_disability_contact(client, fiche):
    html = text_of(page_of(client, fiche))
    assert "Sam Leroy" in html
    assert 'href="mailto:handicap@praxis.example.org"' in html
    assert 'href="tel:+33387000000"' in html


@pytest.mark.django_db
def test_session_page_without_disability_contact_says_whom_to_ask(client):
    provider = ProviderFactory(disability_contact_name="", disability_contact_email="")
    html = text_of(page_of(client, SessionFactory(provider=provider)))
    assert "n'a pas encore indiqué de référent handicap" in html


@pytest.mark.django_db
def test_open_session_shows_the_enrol_button_and_seats_left(client, fiche):
    EnrolmentFactory.create_batch(3, session=fiche)
    EnrolmentFactory(session=fiche, status="waitlisted")
    html = text_of(page_of(client, fiche))
    assert reverse("enrolment:enrol", args=[fiche.pk]) in html
    assert "S'inscrire </a>" in html
    assert (
        "Inscriptions ouvertes jusqu'au jeudi 1er mai 2031 inclus : 9 places disponibles sur 12."
        in html
    )
    assert reverse("catalogue:session_ics", args=[fiche.pk]) in html


@pytest.mark.django_db
def test_full_session_offers_the_waiting_list(client, fiche):
    fiche.capacity = 6
    fiche.min_participants = 1
    fiche.save()
    EnrolmentFactory.create_batch(6, session=fiche)
    html = text_of(page_of(client, fiche))
    assert "Complet : inscription sur liste d'attente jusqu'au jeudi 1er mai 2031 inclus." in html
    assert "S'inscrire sur la liste d'attente" in html


@pytest.mark.django_db
def test_closed_session_has_no_enrol_button(client):
    session = SessionFactory(
        registration_deadline=timezone.localdate() - datetime.timedelta(days=2),
        days=[timezone.localdate() + datetime.timedelta(days=5)],
    )
    html = text_of(page_of(client, session))
    assert "Inscriptions closes (date limite :" in html
    assert reverse("enrolment:enrol", args=[session.pk]) not in html


@pytest.mark.django_db
def test_cancelled_session_that_had_been_published_says_it_is_cancelled(client, fiche):
    fiche.status = Session.Status.CANCELLED
    fiche.save()
    response = page_of(client, fiche)
    assert response.status_code == 200
    html = text_of(response)
    assert "Session annulée : elle n'aura pas lieu." in html
    assert reverse("enrolment:enrol", args=[fiche.pk]) not in html
    assert "https://schema.org/EventCancelled" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "published_at"),
    [
        (Session.Status.DRAFT, None),
        (Session.Status.SUBMITTED, None),
        (Session.Status.CANCELLED, None),
    ],
)
def test_non_public_sessions_are_not_found(client, status, published_at):
    session = SessionFactory(status=status, published_at=published_at)
    assert page_of(client, session).status_code == 404
    ics = reverse("catalogue:session_ics", args=[session.pk])
    assert client.get(ics).status_code == 404


@pytest.mark.django_db
def test_registration_states_in_words():
    today = datetime.date(2031, 4, 1)
    session = SessionFactory(
        registration_deadline=datetime.date(2031, 5, 1),
        days=[datetime.date(2031, 6, 2), datetime.date(2031, 6, 3)],
        capacity=2,
        min_participants=1,
    )
    state = registration_state(session_page(session.pk), today=today)
    assert (state.code, state.can_enrol) == ("open", True)
    assert state.text == (
        "Inscriptions ouvertes jusqu'au jeudi 1er mai 2031 inclus\u00a0: "
        "2 places disponibles sur 2."
    )
    EnrolmentFactory(session=session)
    state = registration_state(session_page(session.pk), today=today)
    assert "1 place disponible sur 2" in state.text
    EnrolmentFactory(session=session)
    state = registration_state(session_page(session.pk), today=today)
    assert (state.code, state.can_enrol) == ("waiting_list", True)
    assert state.text == (
        "Complet\u00a0: inscription sur liste d'attente jusqu'au jeudi 1er mai 2031 inclus."
    )
    state = registration_state(session_page(session.pk), today=datetime.date(2031, 5, 2))
    assert (state.code, state.can_enrol) == ("closed", False)
    assert state.text == "Inscriptions closes (date limite\u00a0: jeudi 1er mai 2031)."
    state = registration_state(session_page(session.pk), today=datetime.date(2031, 6, 4))
    assert (state.code, state.text) == ("past", "Session terminée.")
    session.status = Session.Status.CANCELLED
    session.published_at = timezone.now()
    session.save()
    state = registration_state(session_page(session.pk), today=today)
    assert (state.code, state.can_enrol) == ("cancelled", False)
    assert state.text == "Session annulée\u00a0: elle n'aura pas lieu."


@pytest.mark.django_db
def test_without_deadline_registration_closes_the_day_before(client):
    session = SessionFactory(registration_deadline=None, days=[datetime.date(2031, 6, 2)])
    state = registration_state(session_page(session.pk), today=datetime.date(2031, 5, 1))
    assert "jusqu'au dimanche 1er juin 2031 inclus" in state.text


@pytest.mark.django_db
def test_other_sessions_of_the_same_module_are_listed(client, fiche):
    sibling = SessionFactory(module=fiche.module, city="Strasbourg")
    SessionFactory(module=fiche.module, status=Session.Status.DRAFT, city="Colmar")
    SessionFactory(city="Nancy")  # another module
    html = text_of(page_of(client, fiche))
    assert sibling.get_absolute_url() in html
    assert "Colmar" not in html
    assert "Nancy" not in html


@pytest.mark.django_db
def test_session_page_has_course_json_ld(client, fiche):
    html = text_of(page_of(client, fiche))
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(match.group(1))
    assert data["@type"] == "Course"
    assert data["provider"]["name"] == "PRAXIS"
    instance = data["hasCourseInstance"][0]
    assert instance["@type"] == "CourseInstance"
    assert instance["startDate"] == "2031-06-02T09:00:00+02:00"
    assert instance["endDate"] == "2031-06-03T17:00:00+02:00"
    assert instance["location"]["address"]["addressLocality"] == "Metz"


@pytest.mark.django_db
def test_session_page_structure(client, fiche):
    response = page_of(client, fiche)
    page = structure(response)
    assert len(page.find_all("h1")) == 1
    assert page.find_all("html", lang="fr")
    assert page.find_all("a", href="#contenu")
    assert page.find_all("main", id="contenu")
    assert page.find_all("header") and page.find_all("footer") and page.find_all("nav")
    canonical = page.find_all("link", rel="canonical")
    assert canonical[0]["href"].endswith(fiche.get_absolute_url())
    assert page.find_all("meta", name="description")[0]["content"]
    assert "Metz" in response.content.decode().split("<title>")[1].split("</title>")[0]

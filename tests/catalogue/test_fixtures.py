"""The seeds' fixture holds what the source documents say (tested once, as data)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from catalogue.models import (
    FundingPartner,
    Module,
    ModuleDay,
    Opco,
    OpcoContact,
    Provider,
    Sequence,
    Session,
    SessionDay,
    Trainer,
)
from demo.load import FIXTURE_PATH
from enrolment.selectors import ClosedReason, registration_closed_reason
from website.selectors import past_sessions, upcoming_sessions

pytestmark = pytest.mark.django_db

SEEDED_MODELS = [
    Module,
    Sequence,
    ModuleDay,
    Provider,
    Trainer,
    Opco,
    OpcoContact,
    FundingPartner,
    Session,
    SessionDay,
]


@pytest.fixture
def seeds():
    call_command("loaddata", str(FIXTURE_PATH), verbosity=0)


def _session(provider_slug, city):
    return Session.objects.get(provider__slug=provider_slug, city=city)


def _dates(session):
    return [day.date for day in session.sorted_days]


def test_fixture_holds_the_two_modules_of_two_days_and_fourteen_hours(seeds):
    modules = list(Module.objects.all())

    assert [(m.number, m.title) for m in modules] == [
        (1, "Aller vers : une nécessaire préparation"),
        (2, "Aller vers : une mise en pratique outillée, concertée et proactive"),
    ]
    for module in modules:
        assert module.sectors == "Social et Médico-social"
        assert (module.duration_days, module.duration_hours) == (2, 14)


def test_sequences_one_to_three_belong_to_module_1_and_four_to_six_to_module_2(seeds):
    split = {
        module.number: [sequence.number for sequence in module.sequences.order_by("number")]
        for module in Module.objects.all()
    }

    assert split == {1: [1, 2, 3], 2: [4, 5, 6]}
    assert Sequence.objects.get(number=1).title == "Les raisons de « l'aller vers », historique"
    assert Sequence.objects.get(number=4).description.startswith(
        "Exposés et débats autour de la facilitation de liens et de réflexivité"
    )
    assert Sequence.objects.get(number=6).title == (
        "Suivre les effets sur les personnes concernées, les pratiques et les organisations"
    )


def test_module_2_requires_module_1_and_module_1_requires_nothing(seeds):
    module_1, module_2 = Module.objects.order_by("number")

    assert list(module_2.prerequisite_modules.all()) == [module_1]
    assert not module_1.prerequisite_modules.exists()
    assert "module 1" in module_2.prerequisites
    assert "pratique déjà engagée" in module_2.audience


def test_module_1_carries_the_opco_sante_fiche_texts(seeds):
    module = Module.objects.get(number=1)

    assert module.context.startswith(
        "La stratégie de prévention et de lutte contre la pauvreté porte l'ambition de lutter"
    )
    assert module.objective_list == [
        "Connaître les enjeux et les préalables d'une démarche d'aller vers et leurs "
        "significations pour les organisations et les professionnels.",
        "Comprendre les raisons de l'aller vers et ses éléments d'histoire.",
        "Définir le besoin d'une pratique de l'aller vers en contexte professionnel.",
        "Définir les conditions de mise en œuvre de l'aller vers en contexte professionnel.",
    ]
    assert "Les candidats devront avoir un diplôme de niveau 5-6." in module.prerequisites
    assert "(niveau 5-6)" in module.audience
    assert module.inter_session_work.startswith("Réflexion individuelle")
    assert list(module.days.values_list("number", "title")) == [
        (
            1,
            "Appréhender la démarche d'« Aller vers » et ses implications en contexte "
            "professionnel",
        ),
        (
            2,
            "Définir les conditions de mise en œuvre de « l'aller vers les publics » en contexte "
            "professionnel",
        ),
    ]


def test_module_2_texts_come_from_the_framing_note_without_an_invented_day_programme(seeds):
    module = Module.objects.get(number=2)

    assert "modalités pédagogiques innovantes et actives" in module.context
    assert "intervention d'acteurs expérimentés" in module.context
    assert "Identifier les techniques de « l'aller vers »." in module.objective_list
    # The note gives no day-by-day programme: the sequences stand for it.
    assert not ModuleDay.objects.filter(module=module).exists()


def test_both_modules_state_the_funding_and_the_out_of_framework_rule(seeds):
    for module in Module.objects.all():
        assert "DGCS" in module.funding_note
        assert "OPCO" in module.funding_note
        assert "formations hors cadre" in module.funding_note


def test_croix_rouge_groups_have_their_dates_deadline_and_opco_sante_contact(seeds):
    chambray = _session("croix-rouge-francaise", "Chambray-lès-Tours")
    orleans = _session("croix-rouge-francaise", "Orléans")

    assert chambray.provider.name == "Croix-Rouge française"
    assert (chambray.label, orleans.label) == ("Groupe 1", "Groupe 2")
    assert _dates(chambray) == [datetime.date(2023, 6, 5), datetime.date(2023, 6, 6)]
    assert _dates(orleans) == [datetime.date(2023, 10, 19), datetime.date(2023, 10, 20)]
    assert (chambray.postcode, chambray.department) == ("37170", "37")
    assert (orleans.postcode, orleans.department) == ("45000", "45")
    for session in (chambray, orleans):
        assert session.module.number == 1
        assert session.region == "Centre-Val de Loire"
        assert session.registration_deadline == datetime.date(2023, 4, 28)
        contact = session.opco_contact
        assert (contact.full_name, contact.opco.name) == ("Karine Duval", "OPCO Santé")
        assert (contact.email, contact.phone) == ("ac-cpdl@opco-sante.fr", "02 38 42 28 31")
        assert contact.region == "Centre-Val de Loire"
        # The Croix-Rouge fiche is the module's own wording.
        assert session.fiche_context == session.module.context
        assert not session.trainers.exists()


def test_praxis_groups_have_their_dates_contact_and_no_deadline(seeds):
    strasbourg = _session("praxis", "Strasbourg")
    metz = _session("praxis", "Metz")

    assert _dates(strasbourg) == [datetime.date(2023, 9, 25), datetime.date(2023, 9, 26)]
    assert _dates(metz) == [datetime.date(2023, 10, 16), datetime.date(2023, 10, 17)]
    assert (strasbourg.postcode, strasbourg.department) == ("67000", "67")
    assert (metz.postcode, metz.department) == ("57000", "57")
    for session in (strasbourg, metz):
        assert session.region == "Grand Est"
        assert session.registration_deadline is None
        assert session.registration_closes_on == session.first_day - datetime.timedelta(days=1)
        contact = session.opco_contact
        assert contact.full_name == "Aurore Joannes"
        assert (contact.email, contact.phone) == ("aurore.joannes@opco-sante.fr", "")
        assert contact.region == "Grand Est"


def test_praxis_groups_have_the_three_trainers_with_their_roles(seeds):
    expected = [
        ("Chantal Cornier", "Chargée de projets"),
        ("Jean-Xavier Courot", "Chef de service hébergement"),
        ("Lara Geldreich", "Directrice d'un chez soi d'abord"),
    ]

    assert [(t.full_name, t.role) for t in Trainer.objects.filter(provider__slug="praxis")] == (
        expected
    )
    for city in ("Strasbourg", "Metz"):
        trainers = _session("praxis", city).trainers.order_by("last_name")
        assert [(t.full_name, t.role) for t in trainers] == expected


def test_praxis_groups_carry_praxis_wording_and_day_programme(seeds):
    for city in ("Strasbourg", "Metz"):
        session = _session("praxis", city)
        assert session.fiche_prerequisites == "Occuper une fonction d'intervenant social"
        assert session.fiche_context.startswith("Penser à « ALLER VERS »")
        assert len(session.fiche_objectives) == 6
        assert session.fiche_objectives[1] == "Resituer les enjeux organisationnels"
        day_1, day_2 = session.sorted_days
        assert day_1.title == "« ALLER VERS », fondements et enjeux professionnels"
        assert len(day_1.content.splitlines()) == 5
        assert day_2.title == (
            "« ALLER VERS », un élément incontournable pour une pratique professionnelle"
        )
        assert day_2.content.splitlines()[-1] == (
            "L'ancrage d'une pratique de l'ALLER VERS dans son articulation avec les dispositifs "
            "existants"
        )


def test_every_seed_session_lasts_fourteen_hours_over_two_usual_days(seeds):
    assert Session.objects.count() == 4
    for session in Session.objects.all():
        assert session.total_hours == Decimal(14)
        for day in session.days.all():
            assert day.half_days == [
                (datetime.time(9, 0), datetime.time(12, 30)),
                (datetime.time(13, 30), datetime.time(17, 0)),
            ]


def test_seed_sessions_are_published_dgcs_cofunded_and_now_closed(seeds):
    dgcs = FundingPartner.objects.get()

    assert (dgcs.acronym, dgcs.name) == ("DGCS", "Direction générale de la cohésion sociale")
    for session in Session.objects.all():
        assert session.status == Session.Status.PUBLISHED
        assert list(session.partners.all()) == [dgcs]
        assert (session.capacity, session.min_participants) == (12, 6)
        assert registration_closed_reason(session) == ClosedReason.DEADLINE_PASSED


def test_seed_sessions_show_in_the_archives_not_in_the_catalogue(seeds):
    assert set(past_sessions().values_list("city", flat=True)) == {
        "Chambray-lès-Tours",
        "Orléans",
        "Strasbourg",
        "Metz",
    }
    assert not upcoming_sessions().exists()
    assert not Session.objects.filter(published_at__isnull=True).exists()


def test_fixture_holds_the_two_opcos_and_providers_without_invented_details(seeds):
    assert list(Opco.objects.values_list("name", flat=True)) == ["OPCO Santé", "Uniformation"]
    for provider in Provider.objects.all():
        assert provider.name in ("Croix-Rouge française", "PRAXIS")
        assert (provider.address, provider.siret, provider.phone, provider.email) == (
            "",
            "",
            "",
            "",
        )


def test_every_seed_row_passes_model_validation(seeds):
    for model in SEEDED_MODELS:
        for obj in model.objects.all():
            obj.full_clean()


def test_loading_the_fixture_twice_changes_nothing(seeds):
    before = {model: list(model.objects.order_by("pk").values()) for model in SEEDED_MODELS}

    call_command("loaddata", str(FIXTURE_PATH), verbosity=0)

    assert {model: list(model.objects.order_by("pk").values()) for model in SEEDED_MODELS} == (
        before
    )

"""Demo data: the seeds' fixtures plus fictional upcoming sessions placed around today.

The seeds (fixtures/catalogue.json) carry only what the source documents say. Two values are
not in them: capacity and minimum, set to a plausible 12 places / minimum 6 for the four real
sessions; and `created_at`/`updated_at`/`published_at`, set to one fixed date because `loaddata`
does not fill auto_now fields.

Demo sessions are published through `session_publish`. Enrolments are written directly, with
the fields `enrolment_create` and `enrolment_validate` would set: going through those services
would queue mails and refuse the session whose deadline has passed.

Everything added on top of the seeds is fictional: organisations, people and addresses are made
up, e-mails are at example.org and phone numbers come from the ranges ARCEP keeps for fiction.
No upcoming session is attached to a real provider or a real OPCO contact.

Idempotent: rows are looked up by natural key and only created when missing, so a second run
creates and changes nothing. Run it on an empty or demo database: `loaddata` overwrites rows
whose primary keys the fixture uses.
"""

import datetime
import itertools
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from enrolment.models import (
    DiplomaLevel,
    Employer,
    Enrolment,
    Job,
    PrerequisiteBasis,
    Trainee,
)

from .geography import department_from_postcode, region_of
from .models import (
    FundingPartner,
    Module,
    Opco,
    OpcoContact,
    Provider,
    Session,
    SessionDay,
    Trainer,
    validate_deadline_before_days,
)
from .services import session_publish

FIXTURE_PATH = settings.BASE_DIR / "fixtures" / "catalogue.json"

MORNING = (datetime.time(9, 0), datetime.time(12, 30))
AFTERNOON = (datetime.time(13, 30), datetime.time(17, 0))
DEADLINE_WEEKS_BEFORE = 3

PROVIDERS = [
    {
        "slug": "institut-passerelles-formation",
        "name": "Institut Passerelles Formation",
        "address": "10 rue de la Formation",
        "postcode": "75011",
        "city": "Paris",
        "email": "contact@passerelles.example.org",
        "phone": "01 99 00 11 20",
        "website": "https://passerelles.example.org",
        "disability_contact_name": "Sophie Marchand",
        "disability_contact_email": "handicap@passerelles.example.org",
        "disability_contact_phone": "01 99 00 11 21",
        "trainers": [
            ("Élise", "Morel", "Assistante de service social, formatrice"),
            ("Karim", "Benali", "Éducateur spécialisé, coordinateur de maraude"),
        ],
    },
    {
        "slug": "horizons-travail-social",
        "name": "Horizons Travail Social",
        "address": "24 avenue des Exemples",
        "postcode": "69007",
        "city": "Lyon",
        "email": "contact@horizons-ts.example.org",
        "phone": "04 65 71 20 40",
        "website": "https://horizons-ts.example.org",
        "disability_contact_name": "Marc Delaunay",
        "disability_contact_email": "handicap@horizons-ts.example.org",
        "disability_contact_phone": "04 65 71 20 41",
        "trainers": [
            ("Nathalie", "Girard", "Cheffe de service d'un accueil de jour"),
            ("Thomas", "Roux", "Conseiller en économie sociale familiale, formateur"),
        ],
    },
    {
        "slug": "atelier-sud-formation-sociale",
        "name": "Atelier Sud Formation Sociale",
        "address": "5 place des Exemples",
        "postcode": "31000",
        "city": "Toulouse",
        "email": "contact@atelier-sud.example.org",
        "phone": "05 36 49 00 10",
        "website": "https://atelier-sud.example.org",
        "disability_contact_name": "Amina Traoré",
        "disability_contact_email": "handicap@atelier-sud.example.org",
        "disability_contact_phone": "05 36 49 00 11",
        "trainers": [
            ("Inès", "Ferrand", "Psychologue, superviseuse d'équipes"),
            ("Paul", "Mercier", "Responsable d'un service d'aller vers"),
        ],
    },
]

# (OPCO slug, first name, last name, e-mail, phone, region)
OPCO_CONTACTS = [
    (
        "opco-sante",
        "Claire",
        "Lemoine",
        "claire.lemoine@opco-sante.example.org",
        "01 99 00 22 30",
        "Île-de-France",
    ),
    (
        "opco-sante",
        "Julien",
        "Carpentier",
        "julien.carpentier@opco-sante.example.org",
        "04 65 71 22 30",
        "Auvergne-Rhône-Alpes",
    ),
    (
        "uniformation",
        "Sarah",
        "Meunier",
        "sarah.meunier@uniformation.example.org",
        "05 36 49 22 30",
        "Occitanie",
    ),
    (
        "uniformation",
        "Hugo",
        "Perrin",
        "hugo.perrin@uniformation.example.org",
        "03 53 01 22 30",
        "Hauts-de-France",
    ),
]

# (name, postcode, city, OPCO slug, e-mail domain of its staff, manager who agrees to enrolments)
EMPLOYERS = [
    (
        "Association L'Escale",
        "93200",
        "Saint-Denis",
        "uniformation",
        "escale.example.org",
        "Valérie Lopez",
    ),
    (
        "Centre d'hébergement Les Tilleuls",
        "59000",
        "Lille",
        "opco-sante",
        "tilleuls.example.org",
        "Frédéric Lemaire",
    ),
    (
        "Service d'accompagnement Cap Avenir",
        "69003",
        "Lyon",
        "uniformation",
        "cap-avenir.example.org",
        "Sandrine Aubert",
    ),
    (
        "Maison des solidarités du Parc",
        "31000",
        "Toulouse",
        "uniformation",
        "solidarites-parc.example.org",
        "Patrick Noël",
    ),
    (
        "Foyer Le Phare",
        "35000",
        "Rennes",
        "opco-sante",
        "foyer-le-phare.example.org",
        "Isabelle Le Gall",
    ),
    (
        "Résidence sociale Trait d'Union",
        "45000",
        "Orléans",
        "opco-sante",
        "trait-d-union.example.org",
        "Christophe Marie",
    ),
]

# What Module 2 enrolments declare for its prerequisite, in turn.
PREREQUISITE_DECLARATIONS = [
    {
        "prerequisite_basis": PrerequisiteBasis.MODULE,
        "prerequisite_module_when": "L'année dernière",
        "prerequisite_module_provider": "Horizons Travail Social",
    },
    {
        "prerequisite_basis": PrerequisiteBasis.PRACTICE,
        "prerequisite_practice": (
            "Maraudes hebdomadaires auprès de personnes sans domicile, en binôme avec une "
            "infirmière, et permanences dans un accueil de jour."
        ),
    },
]

TRAINEE_NAMES = [
    ("Léa", "Bernard"),
    ("Hugo", "Petit"),
    ("Chloé", "Durand"),
    ("Yanis", "Lefebvre"),
    ("Manon", "Moreau"),
    ("Lucas", "Fournier"),
    ("Camille", "Laurent"),
    ("Nora", "Haddad"),
    ("Julie", "Simon"),
    ("Mehdi", "Garnier"),
    ("Pauline", "Faure"),
    ("Antoine", "Chevalier"),
    ("Sarah", "Robin"),
    ("Bastien", "Masson"),
    ("Fatou", "Diallo"),
    ("Élodie", "Blanc"),
    ("Romain", "Guérin"),
    ("Anaïs", "Muller"),
    ("Kevin", "Henry"),
    ("Laura", "Roussel"),
    ("Samir", "Brahimi"),
    ("Marion", "Perrot"),
    ("Jérémy", "Colin"),
    ("Aurélie", "Vidal"),
    ("Nicolas", "Caron"),
    ("Emma", "Picard"),
    ("Olivier", "Renaud"),
    ("Inès", "Barbier"),
    ("Claire", "Dumont"),
    ("Théo", "Lambert"),
]

# Cycled over the trainees: (job, other job, diploma level).
PROFILES = [
    (Job.ASS, "", DiplomaLevel.LEVEL_6),
    (Job.ES, "", DiplomaLevel.LEVEL_6),
    (Job.CESF, "", DiplomaLevel.LEVEL_6),
    (Job.ME, "", DiplomaLevel.LEVEL_4),
    (Job.TISF, "", DiplomaLevel.LEVEL_4),
    (Job.EJE, "", DiplomaLevel.LEVEL_6),
    (Job.NURSE, "", DiplomaLevel.LEVEL_6),
    (Job.MANAGER, "", DiplomaLevel.LEVEL_7),
    (Job.OTHER, "Médiateur(rice) social(e)", DiplomaLevel.LEVEL_5),
]

ACCESS_NOTES = (
    "Salle de plain-pied, accessible en fauteuil roulant. À 10 minutes à pied de la gare."
)


@dataclass(frozen=True, kw_only=True)
class DemoSession:
    """An upcoming session, `starts_in` days from today (moved to the next Monday-Thursday so
    that both days are weekdays). The enrolment counts make the nearly full and full sessions."""

    provider: str
    module: int
    label: str
    city: str
    postcode: str
    venue_name: str
    venue_address: str
    starts_in: int
    contact: str
    deadline_in: int | None = None
    capacity: int = 12
    min_participants: int = 6
    status: str = Session.Status.PUBLISHED
    confirmed: int = 0
    pending: int = 0
    waitlisted: int = 0


PASSERELLES = "institut-passerelles-formation"
HORIZONS = "horizons-travail-social"
ATELIER_SUD = "atelier-sud-formation-sociale"

SESSIONS = [
    # Nearly full: one seat left.
    DemoSession(
        provider=PASSERELLES,
        module=1,
        label="Groupe 1",
        city="Paris",
        postcode="75011",
        venue_name="Institut Passerelles Formation",
        venue_address="10 rue de la Formation",
        starts_in=40,
        contact="claire.lemoine",
        capacity=10,
        min_participants=5,
        confirmed=9,
    ),
    # Full, with a waiting list.
    DemoSession(
        provider=PASSERELLES,
        module=1,
        label="Groupe 2",
        city="Lille",
        postcode="59000",
        venue_name="Maison des associations",
        venue_address="3 rue des Exemples",
        starts_in=30,
        contact="hugo.perrin",
        capacity=8,
        min_participants=4,
        confirmed=8,
        waitlisted=2,
    ),
    # Registration closed three days ago; the days are still ahead.
    DemoSession(
        provider=HORIZONS,
        module=1,
        label="Groupe 1",
        city="Lyon",
        postcode="69007",
        venue_name="Horizons Travail Social",
        venue_address="24 avenue des Exemples",
        starts_in=16,
        deadline_in=-3,
        contact="julien.carpentier",
        confirmed=5,
    ),
    DemoSession(
        provider=ATELIER_SUD,
        module=1,
        label="Groupe 1",
        city="Toulouse",
        postcode="31000",
        venue_name="Atelier Sud Formation Sociale",
        venue_address="5 place des Exemples",
        starts_in=45,
        contact="sarah.meunier",
        confirmed=3,
    ),
    DemoSession(
        provider=PASSERELLES,
        module=2,
        label="Groupe 1",
        city="Paris",
        postcode="75011",
        venue_name="Institut Passerelles Formation",
        venue_address="10 rue de la Formation",
        starts_in=75,
        contact="claire.lemoine",
        confirmed=1,
        pending=1,
    ),
    DemoSession(
        provider=HORIZONS,
        module=2,
        label="Groupe 1",
        city="Grenoble",
        postcode="38000",
        venue_name="Centre social des Exemples",
        venue_address="8 rue des Exemples",
        starts_in=60,
        contact="julien.carpentier",
        pending=1,
    ),
    DemoSession(
        provider=PASSERELLES,
        module=2,
        label="Groupe 2",
        city="Rennes",
        postcode="35000",
        venue_name="Maison de quartier des Exemples",
        venue_address="14 boulevard des Exemples",
        starts_in=55,
        contact="sarah.meunier",
    ),
    DemoSession(
        provider=HORIZONS,
        module=1,
        label="Groupe 2",
        city="Nancy",
        postcode="54000",
        venue_name="Espace associatif des Exemples",
        venue_address="2 quai des Exemples",
        starts_in=90,
        contact="hugo.perrin",
    ),
    DemoSession(
        provider=HORIZONS,
        module=2,
        label="Groupe 2",
        city="Tours",
        postcode="37000",
        venue_name="Salle municipale des Exemples",
        venue_address="6 allée des Exemples",
        starts_in=120,
        contact="julien.carpentier",
    ),
    # A draft: visible to its provider only.
    DemoSession(
        provider=ATELIER_SUD,
        module=2,
        label="Groupe 1",
        city="Montpellier",
        postcode="34000",
        venue_name="Atelier Sud Formation Sociale – antenne de Montpellier",
        venue_address="9 rue des Exemples",
        starts_in=100,
        contact="sarah.meunier",
        status=Session.Status.DRAFT,
    ),
]


@dataclass
class DemoSummary:
    """How many rows the run created, by kind."""

    providers: int = 0
    trainers: int = 0
    opco_contacts: int = 0
    sessions: int = 0
    employers: int = 0
    trainees: int = 0
    enrolments: int = 0

    @property
    def created_anything(self) -> bool:
        return any(vars(self).values())

    def as_text(self) -> str:
        lines = [f"Données des sources chargées ({FIXTURE_PATH.name})."]
        if not self.created_anything:
            lines.append("Données de démonstration déjà en place : rien n'a été créé ni modifié.")
            return "\n".join(lines)
        lines.append(
            "Données de démonstration créées : "
            f"{self.providers} organismes, {self.trainers} intervenants, "
            f"{self.opco_contacts} interlocuteurs OPCO, {self.sessions} sessions, "
            f"{self.employers} structures employeuses, {self.trainees} stagiaires, "
            f"{self.enrolments} inscriptions."
        )
        return "\n".join(lines)


def demo_data_load(*, today: datetime.date | None = None) -> DemoSummary:
    """Load the seeds' fixtures, then create the demo rows that are missing."""
    today = today or timezone.localdate()
    summary = DemoSummary()
    with transaction.atomic():
        call_command("loaddata", str(FIXTURE_PATH), verbosity=0)
        providers = _providers_create(summary)
        contacts = _opco_contacts_create(summary)
        trainees = _trainees_create(summary)
        _sessions_create(
            summary, today=today, providers=providers, contacts=contacts, trainees=trainees
        )
    return summary


def _get_or_create_valid(model, lookup, defaults):
    """Like get_or_create, but a new row passes full_clean() first."""
    obj = model.objects.filter(**lookup).first()
    if obj is not None:
        return obj, False
    obj = model(**lookup, **defaults)
    obj.full_clean()
    obj.save()
    return obj, True


def _providers_create(summary):
    providers = {}
    for spec in PROVIDERS:
        fields = {key: value for key, value in spec.items() if key not in ("slug", "trainers")}
        provider, created = _get_or_create_valid(Provider, {"slug": spec["slug"]}, fields)
        summary.providers += created
        for first_name, last_name, role in spec["trainers"]:
            _, created = _get_or_create_valid(
                Trainer,
                {"provider": provider, "first_name": first_name, "last_name": last_name},
                {"role": role},
            )
            summary.trainers += created
        providers[provider.slug] = provider
    return providers


def _opco_contacts_create(summary):
    """Fictional contacts, keyed by the local part of their e-mail."""
    opcos = {opco.slug: opco for opco in Opco.objects.all()}
    contacts = {}
    for opco_slug, first_name, last_name, email, phone, region in OPCO_CONTACTS:
        contact, created = _get_or_create_valid(
            OpcoContact,
            {"email": email},
            {
                "opco": opcos[opco_slug],
                "first_name": first_name,
                "last_name": last_name,
                "phone": phone,
                "region": region,
            },
        )
        summary.opco_contacts += created
        contacts[email.split("@")[0]] = contact
    return contacts


def _email(full_name, domain):
    first_name, last_name = full_name.split(" ", 1)
    return f"{slugify(first_name)}.{slugify(last_name)}@{domain}"


def _trainees_create(summary):
    """The trainees with, for each, the manager of their employer (who agrees to enrolments)."""
    opcos = {opco.slug: opco for opco in Opco.objects.all()}
    employers = []
    for name, postcode, city, opco_slug, domain, manager in EMPLOYERS:
        employer, created = _get_or_create_valid(
            Employer, {"name": name, "city": city}, {"postcode": postcode, "opco": opcos[opco_slug]}
        )
        summary.employers += created
        employers.append((employer, domain, manager))

    trainees = []
    for index, (first_name, last_name) in enumerate(TRAINEE_NAMES):
        employer, domain, manager = employers[index % len(employers)]
        job, job_other, diploma_level = PROFILES[index % len(PROFILES)]
        trainee, created = _get_or_create_valid(
            Trainee,
            {"email": _email(f"{first_name} {last_name}", domain)},
            {
                "first_name": first_name,
                "last_name": last_name,
                "job": job,
                "job_other": job_other,
                "diploma_level": diploma_level,
                "employer": employer,
            },
        )
        summary.trainees += created
        trainees.append((trainee, manager, _email(manager, domain)))
    return trainees


def _session_dates(today, starts_in):
    first = today + datetime.timedelta(days=starts_in)
    while first.weekday() > 3:  # Friday to Sunday: the second day would fall on a weekend.
        first += datetime.timedelta(days=1)
    return [first, first + datetime.timedelta(days=1)]


def _sessions_create(summary, *, today, providers, contacts, trainees):
    modules = {module.number: module for module in Module.objects.all()}
    dgcs = FundingPartner.objects.get(acronym="DGCS")
    # Each session takes the next trainees in the list: the same people on every run.
    pool = iter(trainees)
    declarations = itertools.cycle(PREREQUISITE_DECLARATIONS)
    for spec in SESSIONS:
        provider = providers[spec.provider]
        session, created = _get_or_create_valid(
            Session,
            {
                "provider": provider,
                "module": modules[spec.module],
                "label": spec.label,
                "city": spec.city,
            },
            _session_fields(spec, today=today, contact=contacts[spec.contact]),
        )
        if created:
            summary.sessions += 1
            session.trainers.set(provider.trainers.all())
            session.partners.set([dgcs])
            for date in _session_dates(today, spec.starts_in):
                SessionDay.objects.create(
                    session=session,
                    date=date,
                    morning_start=MORNING[0],
                    morning_end=MORNING[1],
                    afternoon_start=AFTERNOON[0],
                    afternoon_end=AFTERNOON[1],
                )
            if spec.status == Session.Status.PUBLISHED:
                session_publish(session=session)

        requires_prerequisite = session.module.prerequisite_modules.exists()
        for status, count in [
            (Enrolment.Status.CONFIRMED, spec.confirmed),
            (Enrolment.Status.PENDING, spec.pending),
            (Enrolment.Status.WAITLISTED, spec.waitlisted),
        ]:
            for _ in range(count):
                trainee, manager, manager_email = next(pool)
                declaration = next(declarations) if requires_prerequisite else {}
                _, created = _get_or_create_valid(
                    Enrolment,
                    {"trainee": trainee, "session": session},
                    _enrolment_fields(
                        status,
                        employer=trainee.employer,
                        manager=manager,
                        manager_email=manager_email,
                        declaration=declaration,
                    ),
                )
                summary.enrolments += created


def _session_fields(spec, *, today, contact):
    """A draft's fields; days, trainers and publication come after."""
    dates = _session_dates(today, spec.starts_in)
    if spec.deadline_in is None:
        deadline = dates[0] - datetime.timedelta(weeks=DEADLINE_WEEKS_BEFORE)
    else:
        deadline = today + datetime.timedelta(days=spec.deadline_in)
    validate_deadline_before_days(deadline, dates)
    department = department_from_postcode(spec.postcode)
    return {
        "postcode": spec.postcode,
        "department": department,
        "region": region_of(department),
        "venue_name": spec.venue_name,
        "venue_address": spec.venue_address,
        "access_notes": ACCESS_NOTES,
        "registration_deadline": deadline,
        "capacity": spec.capacity,
        "min_participants": spec.min_participants,
        "status": Session.Status.DRAFT,
        "opco_contact": contact,
    }


def _enrolment_fields(status, *, employer, manager, manager_email, declaration):
    """What enrolment_create (and enrolment_validate, for a Module 2 enrolment that is
    confirmed) would have stored."""
    now = timezone.now()
    fields = {
        "status": status,
        "employer": employer,
        "employer_contact_name": manager,
        "employer_contact_email": manager_email,
        "consent_at": now,
        "status_changed_at": now,
        **declaration,
    }
    if status == Enrolment.Status.WAITLISTED:
        fields["waitlisted_at"] = now
    if status == Enrolment.Status.CONFIRMED and declaration:
        fields["decided_at"] = now
    return fields

"""Demo data: the seeds' fixtures, then fictional upcoming sessions and enrolments placed
around today, read from demo/data/demo.toml (the file says what each value means).

The seeds (fixtures/catalogue.json) carry what the source documents say, plus capacity and
minimum for the four real sessions (12 places, minimum 6) and one fixed date for the
`created_at`/`updated_at`/`published_at` fields that `loaddata` does not fill. They are loaded
only into a database that has no module yet: `loaddata` overwrites the rows whose primary keys
the fixture uses, and a second run must keep what was edited since.

Sessions and enrolments go through the services the admin and the public form call, so that
they hold what those would write and the transition log records them: `session_create` (a
draft), `session_publish`, `enrolment_create` (which decides confirmed, pending or waitlisted
by the seat rules) then `enrolment_confirm` (the address confirmed), `enrolment_validate`, and
`session_change` for a deadline already past (set once the enrolments are in, as staff would).
Providers, trainers, OPCO contacts and the employers' OPCO have no service (staff write them in
the admin): they are created here with `full_clean()`, as the admin form would.

The services queue mails. The demo's people are fictional, so the mails queued by the load are
marked skipped before it commits, and the tasks queued on commit find nothing to send.

Idempotent: rows are looked up by natural key and only created when missing, and a session's
enrolments are made with the session, so a second run creates and changes nothing.
"""

import datetime
import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from catalogue.geography import department_from_postcode, region_of
from catalogue.models import (
    FundingPartner,
    Module,
    Opco,
    OpcoContact,
    Provider,
    Session,
    Trainer,
)
from enrolment.models import Employer, Enrolment, Trainee
from enrolment.selectors import module_requires_prerequisite
from enrolment.services import (
    EnrolmentError,
    enrolment_confirm,
    enrolment_create,
    enrolment_validate,
)
from enrolment.session_services import session_change, session_create, session_publish
from enrolment.transitions import Actor
from outbox.models import OutboxMail

FIXTURE_PATH = settings.BASE_DIR / "fixtures" / "catalogue.json"
DATA_PATH = Path(__file__).resolve().parent / "data" / "demo.toml"

STAFF = Actor.staff(None)
EnrolmentStatus = Enrolment.Status
# The order in which a session's people enrol, by the status they end with.
ENROLMENT_STATUSES = ("confirmed", "pending", "waitlisted")


class DemoDataError(Exception):
    """The data file asks for something the rules do not give."""


@dataclass
class DemoSummary:
    """What the run did: whether it loaded the seeds, and how many rows it created, by kind."""

    seeds_loaded: bool = False
    providers: int = 0
    trainers: int = 0
    opco_contacts: int = 0
    sessions: int = 0
    employers: int = 0
    trainees: int = 0
    enrolments: int = 0
    mails_skipped: int = 0

    @property
    def created_anything(self) -> bool:
        return any(vars(self).values())

    def as_text(self) -> str:
        if self.seeds_loaded:
            lines = [f"Données des sources chargées ({FIXTURE_PATH.name})."]
        else:
            lines = [f"Données des sources déjà en place ({FIXTURE_PATH.name}) : non rechargées."]
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
        lines.append(
            "Les e-mails de démonstration ne sont pas envoyés : "
            f"{self.mails_skipped} marqués « Sans objet » dans la file d'envoi."
        )
        return "\n".join(lines)


def demo_data_read(path: Path = DATA_PATH) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def demo_data_load(*, today: datetime.date | None = None) -> DemoSummary:
    """Load the seeds if the database has none, then create the demo rows that are missing,
    in one transaction. New sessions are placed relative to `today`; the services still judge
    registration by the real date."""
    today = today or timezone.localdate()
    data = demo_data_read()
    summary = DemoSummary()
    with transaction.atomic():
        last_mail_pk = OutboxMail.objects.aggregate(last=Max("pk"))["last"] or 0
        summary.seeds_loaded = _seeds_load()
        providers = _providers_create(data["providers"], summary)
        contacts = _opco_contacts_create(data["opco_contacts"], summary)
        employers = _employers_create(data["employers"], summary)
        _sessions_create(
            data,
            today=today,
            providers=providers,
            contacts=contacts,
            employers=employers,
            summary=summary,
        )
        summary.mails_skipped = _mails_skip(after_pk=last_mail_pk)
    return summary


def _seeds_load() -> bool:
    if Module.objects.exists():
        return False
    call_command("loaddata", str(FIXTURE_PATH), verbosity=0)
    return True


def _get_or_create_valid(model, lookup, defaults):
    """Like get_or_create, but a new row passes full_clean() first."""
    obj = model.objects.filter(**lookup).first()
    if obj is not None:
        return obj, False
    obj = model(**lookup, **defaults)
    obj.full_clean()
    obj.save()
    return obj, True


def _providers_create(specs, summary) -> dict[str, Provider]:
    providers = {}
    for spec in specs:
        fields = {key: value for key, value in spec.items() if key not in ("slug", "trainers")}
        provider, created = _get_or_create_valid(Provider, {"slug": spec["slug"]}, fields)
        summary.providers += created
        for trainer in spec["trainers"]:
            _, created = _get_or_create_valid(
                Trainer,
                {
                    "provider": provider,
                    "first_name": trainer["first_name"],
                    "last_name": trainer["last_name"],
                },
                {"role": trainer["role"]},
            )
            summary.trainers += created
        providers[provider.slug] = provider
    return providers


def _opco_contacts_create(specs, summary) -> dict[str, OpcoContact]:
    """Keyed by e-mail."""
    opcos = {opco.slug: opco for opco in Opco.objects.all()}
    contacts = {}
    for spec in specs:
        fields = {key: value for key, value in spec.items() if key not in ("email", "opco")}
        contact, created = _get_or_create_valid(
            OpcoContact, {"email": spec["email"]}, {**fields, "opco": opcos[spec["opco"]]}
        )
        summary.opco_contacts += created
        contacts[spec["email"]] = contact
    return contacts


def _employers_create(specs, summary) -> dict[str, dict[str, Any]]:
    """The employers, with their OPCO, before anyone enrols: enrolment_create then finds each
    by its SIRET. Returns the specs keyed by domain."""
    opcos = {opco.slug: opco for opco in Opco.objects.all()}
    for spec in specs:
        _, created = _get_or_create_valid(
            Employer,
            {"siret": spec["siret"]},
            {
                "name": spec["name"],
                "postcode": spec["postcode"],
                "city": spec["city"],
                "opco": opcos[spec["opco"]],
            },
        )
        summary.employers += created
    return {spec["domain"]: spec for spec in specs}


@dataclass(frozen=True)
class _Enrolment:
    trainee: dict[str, Any]
    status: str
    declaration: dict[str, str]


def _sessions_plan(data, modules) -> list[tuple[dict[str, Any], list[_Enrolment]]]:
    """Each session with the people who enrol in it. Drawn in data order whether or not the
    session exists already, so that each session has the same people on every run."""
    trainees = iter(data["trainees"])
    declarations = itertools.cycle(data["prerequisite_declarations"])
    plan = []
    for spec in data["sessions"]:
        counts = spec.get("enrolments", {})
        unknown = set(counts) - set(ENROLMENT_STATUSES)
        if unknown:
            raise DemoDataError(f"Statuts d'inscription inconnus : {sorted(unknown)}.")
        requires_prerequisite = module_requires_prerequisite(modules[spec["module"]])
        enrolments = []
        for status in ENROLMENT_STATUSES:
            for _ in range(counts.get(status, 0)):
                trainee = next(trainees, None)
                if trainee is None:
                    raise DemoDataError("Pas assez de stagiaires pour les inscriptions demandées.")
                declaration = next(declarations) if requires_prerequisite else {}
                enrolments.append(_Enrolment(trainee, status, declaration))
        plan.append((spec, enrolments))
    return plan


def _session_dates(today: datetime.date, starts_in: int) -> list[datetime.date]:
    first = today + datetime.timedelta(days=starts_in)
    while first.weekday() > 3:  # Friday to Sunday: the second day would fall on a weekend.
        first += datetime.timedelta(days=1)
    return [first, first + datetime.timedelta(days=1)]


def _sessions_create(data, *, today, providers, contacts, employers, summary) -> None:
    defaults = data["session_defaults"]
    modules = {module.number: module for module in Module.objects.all()}
    partner_ids = list(
        FundingPartner.objects.filter(acronym__in=defaults["partners"]).values_list("pk", flat=True)
    )
    for spec, enrolments in _sessions_plan(data, modules):
        provider = providers[spec["provider"]]
        module = modules[spec["module"]]
        lookup = {"provider": provider, "module": module, "label": spec["label"]}
        if Session.objects.filter(**lookup, city=spec["city"]).exists():
            continue
        dates = _session_dates(today, spec["starts_in_days"])
        if "deadline_in_days" in spec:
            deadline = today + datetime.timedelta(days=spec["deadline_in_days"])
        else:
            deadline = dates[0] - datetime.timedelta(weeks=defaults["deadline_weeks_before"])
        department = department_from_postcode(spec["postcode"])
        session = session_create(
            fields={
                **lookup,
                "city": spec["city"],
                "postcode": spec["postcode"],
                "department": department,
                "region": region_of(department),
                "venue_name": spec["venue_name"],
                "venue_address": spec["venue_address"],
                "access_notes": defaults["access_notes"],
                # A deadline already past is set once the enrolments are in.
                "registration_deadline": max(deadline, today),
                "capacity": spec.get("capacity", defaults["capacity"]),
                "min_participants": spec.get("min_participants", defaults["min_participants"]),
                "opco_contact": contacts[spec["opco_contact"]],
                # The contact's OPCO's programme: its staff manage the session.
                "opco": contacts[spec["opco_contact"]].opco,
            },
            days=[_day(date, defaults) for date in dates],
            trainer_ids=provider.trainers.values_list("pk", flat=True),
            partner_ids=partner_ids,
            by=STAFF,
        )
        summary.sessions += 1
        status = spec.get("status", Session.Status.PUBLISHED)
        if status == Session.Status.PUBLISHED:
            session_publish(session_id=session.pk, by=STAFF)
        elif status != Session.Status.DRAFT:
            raise DemoDataError(f"Statut de session non prévu : {status}.")
        for enrolment in enrolments:
            _enrolment_create(session, enrolment, employers=employers, summary=summary)
        if deadline < today:
            session_change(
                session_id=session.pk, fields={"registration_deadline": deadline}, by=STAFF
            )


def _day(date: datetime.date, defaults) -> dict[str, Any]:
    (morning_start, morning_end), (afternoon_start, afternoon_end) = (
        defaults["morning"],
        defaults["afternoon"],
    )
    return {
        "date": date,
        "morning_start": morning_start,
        "morning_end": morning_end,
        "afternoon_start": afternoon_start,
        "afternoon_end": afternoon_end,
    }


TRAINEE_KEYS = ("first_name", "last_name", "email", "job", "job_other", "diploma_level")


def _enrolment_create(session, planned: _Enrolment, *, employers, summary) -> None:
    """Enrol someone as the public form would, then validate the enrolment when the data ends
    it confirmed in a module with a prerequisite."""
    trainee = planned.trainee
    employer = employers[trainee["employer"]]
    is_new_trainee = not Trainee.objects.filter(email__iexact=trainee["email"]).exists()
    try:
        result = enrolment_create(
            session_id=session.pk,
            trainee_data={key: trainee.get(key, "") for key in TRAINEE_KEYS},
            employer_data={key: employer[key] for key in ("name", "siret", "postcode", "city")},
            enrolment_data={
                "employer_contact_name": employer["manager"],
                "employer_contact_email": employer["manager_email"],
                **planned.declaration,
            },
            consent=True,
            by=Actor.trainee(),
        )
    except EnrolmentError as exc:
        raise DemoDataError(f"{session} : {trainee['email']} refusé(e) : {exc.message}") from exc
    # The person confirms their address from the mail, as everyone does.
    enrolment = enrolment_confirm(enrolment_id=result.enrolment.pk)
    summary.trainees += is_new_trainee
    summary.enrolments += result.created
    # Pending: the module has a prerequisite, which staff accept where the data says so.
    if enrolment.status == EnrolmentStatus.PENDING and planned.status == EnrolmentStatus.CONFIRMED:
        enrolment = enrolment_validate(enrolment_id=enrolment.pk, by=STAFF)
    if not result.created or enrolment.status != planned.status:
        raise DemoDataError(
            f"{session} : {trainee['email']} devait finir « {planned.status} », "
            f"les règles l'ont mis « {enrolment.status} » (places, liste d'attente, prérequis)."
        )


def _mails_skip(*, after_pk: int) -> int:
    """Mark skipped the mails this load queued: rows written since `after_pk` to the demo's
    fictional addresses (example.org). Call before the load commits. Returns their number."""
    # The address filter keeps a mail that another process queued meanwhile to a real person.
    fictional = Q(recipient__iendswith="@example.org") | Q(recipient__iendswith=".example.org")
    return OutboxMail.objects.filter(
        fictional, pk__gt=after_pk, status=OutboxMail.Status.QUEUED
    ).update(status=OutboxMail.Status.SKIPPED, updated_at=timezone.now())

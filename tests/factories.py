import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from accounts.permissions import OPCO_STAFF_GROUP
from catalogue.models import (
    FundingPartner,
    Module,
    Opco,
    OpcoContact,
    OpcoStaff,
    Provider,
    Sequence,
    Session,
    SessionDay,
    Trainer,
)
from enrolment.models import Employer, Enrolment, Trainee


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.django.Password("mot-de-passe-solide-42")


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n + 10)
    title = factory.Sequence(lambda n: f"Aller vers\u00a0: module d'essai {n}")
    slug = factory.Sequence(lambda n: f"module-essai-{n}")
    sectors = "Social et Médico-social"
    audience = "Les travailleurs sociaux et les professionnels de première ligne"
    duration_days = 2
    duration_hours = 14
    context = "La stratégie de prévention et de lutte contre la pauvreté."
    objectives = "Connaître les enjeux de l'aller vers\nDéfinir les conditions de mise en œuvre"
    prerequisites = "Diplôme de niveau 5-6."
    inter_session_work = "Réflexion individuelle sur sa pratique."


class SequenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sequence

    module = factory.SubFactory(ModuleFactory)
    number = factory.Sequence(lambda n: n + 100)
    title = "Les raisons de l'aller vers"
    description = "Le contexte, la démarche, les enjeux."


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Organisme {n}")
    slug = factory.Sequence(lambda n: f"organisme-{n}")
    email = factory.Sequence(lambda n: f"contact{n}@organisme.example.org")
    disability_contact_name = "Sam Leroy"
    disability_contact_email = factory.Sequence(lambda n: f"handicap{n}@organisme.example.org")
    # Attached to the factories' OPCO (OPCO Santé), whose staff therefore see it.
    opco = factory.LazyFunction(lambda: OpcoFactory())


class TrainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainer

    provider = factory.SubFactory(ProviderFactory)
    first_name = "Chantal"
    last_name = factory.Sequence(lambda n: f"Formatrice{n}")
    role = "Chargée de projets"


class OpcoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opco
        django_get_or_create = ("slug",)

    name = "OPCO Santé"
    slug = "opco-sante"


class OpcoContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpcoContact

    opco = factory.SubFactory(OpcoFactory)
    first_name = "Karine"
    last_name = factory.Sequence(lambda n: f"Duval{n}")
    email = factory.Sequence(lambda n: f"interlocuteur{n}@opco.example.org")
    phone = "02 38 42 28 31"
    region = "Centre-Val de Loire"


class OpcoStaffFactory(factory.django.DjangoModelFactory):
    """A staff account of an OPCO (OPCO Santé unless told), in the "Gestionnaires OPCO" group."""

    class Meta:
        model = OpcoStaff
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, is_staff=True)
    opco = factory.SubFactory(OpcoFactory)

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create and extracted is not False:
            self.user.groups.add(Group.objects.get(name=OPCO_STAFF_GROUP))


def opco_staff_user(opco=None, **user_fields):
    """A staff user of `opco` (OPCO Santé by default), in the "Gestionnaires OPCO" group."""
    return OpcoStaffFactory(
        user=UserFactory(is_staff=True, **user_fields), opco=opco or OpcoFactory()
    ).user


class FundingPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingPartner
        django_get_or_create = ("acronym",)

    acronym = "DGCS"
    name = "Direction générale de la cohésion sociale"


class SessionFactory(factory.django.DjangoModelFactory):
    """A published session starting `starts_in` days from today, deadline 3 weeks before."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    class Params:
        starts_in = 60

    module = factory.SubFactory(ModuleFactory)
    provider = factory.SubFactory(ProviderFactory)
    label = factory.Sequence(lambda n: f"Groupe {n + 1}")
    city = "Orléans"
    postcode = "45000"
    department = "45"
    region = "Centre-Val de Loire"
    venue_address = "12 rue de la Formation"
    capacity = 12
    min_participants = 6
    status = Session.Status.PUBLISHED
    opco_contact = factory.SubFactory(OpcoContactFactory)
    # The session belongs to its contact's OPCO's programme (as the admin and services set it).
    opco = factory.LazyAttribute(lambda o: o.opco_contact.opco if o.opco_contact else None)
    registration_deadline = factory.LazyAttribute(
        lambda o: timezone.localdate() + datetime.timedelta(days=o.starts_in - 21)
    )

    @factory.post_generation
    def days(self, create, extracted, **kwargs):
        """Two days with the usual times, three weeks after the deadline, unless
        `days=[dates]` is given."""
        if not create:
            return
        if extracted is None:
            deadline = self.registration_deadline or timezone.localdate()
            first = deadline + datetime.timedelta(days=21)
            extracted = [first, first + datetime.timedelta(days=1)]
        for date in extracted:
            SessionDayFactory(session=self, date=date)

    @factory.post_generation
    def trainers(self, create, extracted, **kwargs):
        """None by default; `trainers=[...]` sets them, `trainers=True` gives the session one of
        its provider's (a session needs trainers to be published)."""
        if not create or not extracted:
            return
        if extracted is True:
            extracted = [TrainerFactory(provider=self.provider)]
        self.trainers.set(extracted)


class SessionDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionDay

    session = factory.SubFactory(SessionFactory, days=[])
    date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    morning_start = datetime.time(9, 0)
    morning_end = datetime.time(12, 30)
    afternoon_start = datetime.time(13, 30)
    afternoon_end = datetime.time(17, 0)


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"Centre communal d'action sociale {n}")
    siret = "73282932000074"
    postcode = "45000"
    city = "Orléans"


class TraineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainee

    first_name = "Léa"
    last_name = factory.Sequence(lambda n: f"Bernard{n}")
    email = factory.Sequence(lambda n: f"stagiaire{n}@structure.example.org")
    phone = "06 12 34 56 78"
    job = "ass"
    diploma_level = "6"
    employer = factory.SubFactory(EmployerFactory)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    trainee = factory.SubFactory(TraineeFactory)
    session = factory.SubFactory(SessionFactory)
    status = Enrolment.Status.CONFIRMED
    consent_at = factory.LazyFunction(timezone.now)
    # An unconfirmed enrolment holds a seat for half an hour; the others had their address
    # confirmed.
    held_status = factory.LazyAttribute(
        lambda o: Enrolment.Status.CONFIRMED if o.status == Enrolment.Status.UNCONFIRMED else ""
    )
    hold_expires_at = factory.LazyAttribute(
        lambda o: (
            timezone.now() + datetime.timedelta(minutes=30)
            if o.status == Enrolment.Status.UNCONFIRMED
            else None
        )
    )
    address_confirmed_at = factory.LazyAttribute(
        lambda o: None if o.status == Enrolment.Status.UNCONFIRMED else o.consent_at
    )


class PrerequisiteModuleFactory(ModuleFactory):
    """A module that requires another, as Module 2 requires Module 1 (`requires=module`)."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def requires(self, create, extracted, **kwargs):
        if create:
            self.prerequisite_modules.add(extracted or ModuleFactory())


class OutboxMailFactory(factory.django.DjangoModelFactory):
    """A mail about an enrolment (`enrolment=`), to its trainee."""

    class Meta:
        model = "outbox.OutboxMail"

    class Params:
        enrolment = factory.SubFactory(EnrolmentFactory)

    kind = "confirmation"
    about = factory.SelfAttribute("enrolment")
    recipient = factory.SelfAttribute("enrolment.trainee.email")


def sessions_in_bulk(count, *, start_in=30, module=None, provider=None, enrolments_each=1):
    """`count` published sessions of one module and provider, with two days each, a trainer,
    the DGCS as partner and `enrolments_each` confirmed enrolments, inserted with bulk_create
    (the query-count tests and the bench need hundreds)."""
    module = module or ModuleFactory()
    provider = provider or ProviderFactory()
    trainer = TrainerFactory(provider=provider)
    partner = FundingPartnerFactory()
    contact = OpcoContactFactory()
    today = timezone.localdate()
    now = timezone.now()
    sessions = Session.objects.bulk_create(
        Session(
            module=module,
            provider=provider,
            label=f"Groupe {index + 1}",
            city="Orléans",
            postcode="45000",
            department="45",
            region="Centre-Val de Loire",
            venue_address="12 rue de la Formation",
            capacity=12,
            min_participants=6,
            status=Session.Status.PUBLISHED,
            published_at=now,
            opco_contact=contact,
            registration_deadline=today + datetime.timedelta(days=start_in + index % 300 - 7),
        )
        for index in range(count)
    )
    days = []
    for index, session in enumerate(sessions):
        first = today + datetime.timedelta(days=start_in + index % 300)
        for offset in (0, 1):
            days.append(
                SessionDay(
                    session=session,
                    date=first + datetime.timedelta(days=offset),
                    morning_start=datetime.time(9, 0),
                    morning_end=datetime.time(12, 30),
                    afternoon_start=datetime.time(13, 30),
                    afternoon_end=datetime.time(17, 0),
                )
            )
    SessionDay.objects.bulk_create(days)
    Session.trainers.through.objects.bulk_create(
        Session.trainers.through(session=session, trainer=trainer) for session in sessions
    )
    Session.partners.through.objects.bulk_create(
        Session.partners.through(session=session, fundingpartner=partner) for session in sessions
    )
    if enrolments_each:
        employer = EmployerFactory()
        trainees = Trainee.objects.bulk_create(
            Trainee(
                first_name="Léa",
                last_name=f"Bulk{index}",
                email=f"bulk{index}-{now.timestamp()}@structure.example.org",
                job="ass",
                diploma_level="6",
                employer=employer,
            )
            for index in range(enrolments_each)
        )
        Enrolment.objects.bulk_create(
            Enrolment(
                trainee=trainee,
                session=session,
                status=Enrolment.Status.CONFIRMED,
                consent_at=now,
            )
            for session in sessions
            for trainee in trainees
        )
    return sessions

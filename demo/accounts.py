"""The demo's accounts beside the admin: an OPCO Santé manager and a Croix-Rouge française
member, so that a newcomer can try all three roles. The seeds' Croix-Rouge sessions are past and
its fiche names no trainer, so the member also belongs to a fictional demo provider with
upcoming sessions, trainers and enrolments to validate.

Their passwords are derived from SECRET_KEY: the same on every run of `make run`, so that it
prints them every time; an account whose password was changed since keeps it (and the run
says so). With DEBUG only: the development key is public."""

import dataclasses

from django.db import transaction
from django.utils.crypto import salted_hmac

from accounts.models import User
from backoffice.staff import opco_staff_save
from catalogue.models import Opco, Provider
from providers.accounts import member_save

OPCO_MANAGER_EMAIL = "gestionnaire@opco-sante.localhost"
OPCO_SLUG = "opco-sante"
PROVIDER_MEMBER_EMAIL = "membre@croix-rouge.localhost"
PROVIDER_SLUG = "croix-rouge-francaise"
# A provider of demo/data/demo.toml.
DEMO_PROVIDER_SLUG = "horizons-travail-social"


def demo_password(email: str) -> str:
    """A stable password for a demo account (readable, 20 characters)."""
    digest = salted_hmac("allervers.demo.accounts", email.lower()).hexdigest()
    return f"Demo-{digest[:5]}-{digest[5:10]}-{digest[10:15]}"


@dataclasses.dataclass
class DemoAccount:
    role: str
    email: str
    # None once the account's password was changed by hand: then it is not printed.
    password: str | None
    where: str


def _password_kept(user: User, password: str) -> str | None:
    return password if user.check_password(password) else None


def demo_accounts_ensure() -> list[DemoAccount]:
    """Create the two demo accounts if missing (the member in both providers); never change
    an existing one (nor its password). Raises LookupError without the seed's OPCO or the
    providers."""
    opco = Opco.objects.filter(slug=OPCO_SLUG).first()
    provider = Provider.objects.filter(slug=PROVIDER_SLUG).first()
    demo_provider = Provider.objects.filter(slug=DEMO_PROVIDER_SLUG).first()
    if opco is None or provider is None or demo_provider is None:
        raise LookupError("Load the demo data first (manage.py demo_data).")
    accounts = []
    with transaction.atomic():
        password = demo_password(OPCO_MANAGER_EMAIL)
        manager = User.objects.filter(email__iexact=OPCO_MANAGER_EMAIL).first()
        if manager is None:
            manager = opco_staff_save(email=OPCO_MANAGER_EMAIL, opco=opco, password=password).user
            manager.first_name, manager.last_name = "Karine", "Duval"
            manager.save(update_fields=["first_name", "last_name"])
        accounts.append(
            DemoAccount(
                "Gestionnaire OPCO Santé",
                manager.email,
                _password_kept(manager, password),
                "/admin/",
            )
        )

        password = demo_password(PROVIDER_MEMBER_EMAIL)
        member = User.objects.filter(email__iexact=PROVIDER_MEMBER_EMAIL).first()
        if member is None:
            member = member_save(
                email=PROVIDER_MEMBER_EMAIL,
                provider=provider,
                password=password,
                first_name="Inès",
                last_name="Moreau",
            ).user
            demo_provider.members.add(member)
        accounts.append(
            DemoAccount(
                f"Membre de {provider.name} et de l'organisme de démonstration "
                f"« {demo_provider.name} »",
                member.email,
                _password_kept(member, password),
                "/connexion/",
            )
        )
    return accounts

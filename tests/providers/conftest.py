"""Two providers, each with a member: alice works for the first, bob for the second; charlie
has an account but belongs to no provider."""

import pytest

from enrolment.models import Enrolment
from tests.factories import (
    EnrolmentFactory,
    PrerequisiteModuleFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)

PASSWORD = "mot-de-passe-solide-42"


@pytest.fixture
def provider(db):
    return ProviderFactory(name="Croix-Rouge française", slug="croix-rouge-francaise")


@pytest.fixture
def other_provider(db):
    return ProviderFactory(name="PRAXIS", slug="praxis")


@pytest.fixture
def alice(provider):
    user = UserFactory(email="alice@croix-rouge.example.org")
    provider.members.add(user)
    return user


@pytest.fixture
def bob(other_provider):
    user = UserFactory(email="bob@praxis.example.org")
    other_provider.members.add(user)
    return user


@pytest.fixture
def charlie(db):
    return UserFactory(email="charlie@opco.example.org")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def module_2(db):
    """A module with a prerequisite, as Module 2 requires Module 1."""
    return PrerequisiteModuleFactory()


@pytest.fixture
def session(provider, module_2):
    return SessionFactory(provider=provider, module=module_2, label="Groupe 1", city="Orléans")


@pytest.fixture
def other_session(other_provider, module_2):
    return SessionFactory(provider=other_provider, module=module_2, label="Groupe 9", city="Tours")


def pending_enrolment(session, **fields):
    """A pending enrolment with a practice declaration, as the form leaves it."""
    fields.setdefault("prerequisite_basis", "practice")
    fields.setdefault(
        "prerequisite_practice", "Maraudes auprès des personnes sans abri depuis 2021."
    )
    return EnrolmentFactory(session=session, status=Enrolment.Status.PENDING, **fields)

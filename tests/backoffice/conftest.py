import pytest

from tests.factories import OpcoContactFactory, OpcoFactory, opco_staff_user


@pytest.fixture
def sante(db):
    return OpcoFactory()


@pytest.fixture
def uniformation(db):
    return OpcoFactory(name="Uniformation", slug="uniformation")


@pytest.fixture
def sante_contact(sante):
    return OpcoContactFactory(opco=sante)


@pytest.fixture
def uniformation_contact(uniformation):
    return OpcoContactFactory(opco=uniformation, region="Bretagne")


@pytest.fixture
def sante_user(sante):
    """A manager of OPCO Santé, in the "Gestionnaires OPCO" group."""
    return opco_staff_user(sante)


@pytest.fixture
def sante_client(client, sante_user):
    client.force_login(sante_user)
    return client

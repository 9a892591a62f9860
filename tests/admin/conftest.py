import pytest

from tests.factories import opco_staff_user


@pytest.fixture
def staff_user(db):
    """An OPCO staff member: staff, in the group made by the migration, not superuser, and
    manager of the factories' OPCO (OPCO Santé): the factories' sessions are theirs."""
    return opco_staff_user()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client

import pytest
from django.contrib.auth.models import Group

from accounts.permissions import NATIONAL_ADMIN_GROUP
from tests.factories import UserFactory, opco_staff_user


@pytest.fixture
def staff_user(db):
    """An OPCO staff member: staff, in the group made by the migration, not superuser, and
    manager of the factories' OPCO (OPCO Santé): the factories' sessions are theirs."""
    return opco_staff_user()


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def national_user(db):
    """A member of the "Administration nationale" group: every OPCO's programme, and the
    national content to edit."""
    user = UserFactory(is_staff=True, is_superuser=False)
    user.groups.add(Group.objects.get(name=NATIONAL_ADMIN_GROUP))
    return user


@pytest.fixture
def national_client(client, national_user):
    client.force_login(national_user)
    return client

import pytest
from django.contrib.auth.models import Group

from accounts.permissions import OPCO_STAFF_GROUP
from tests.factories import UserFactory


@pytest.fixture
def staff_user(db):
    """An OPCO staff member: staff, in the group made by the migration, not superuser."""
    user = UserFactory(is_staff=True, is_superuser=False)
    user.groups.add(Group.objects.get(name=OPCO_STAFF_GROUP))
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client

# The admin tests' staff member, for the requests these tests make to the admin.
from tests.admin.conftest import staff_client, staff_user  # noqa: F401

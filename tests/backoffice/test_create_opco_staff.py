import io
import re

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.permissions import OPCO_STAFF_GROUP
from backoffice.scoping import staff_opco
from catalogue.models import Opco
from tests.factories import OpcoFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True


def run(*args):
    out = io.StringIO()
    call_command("create_opco_staff", *args, stdout=out)
    return out.getvalue()


def printed_password(output):
    return re.search(r"mot de passe\u00a0: (\S+)", output).group(1)


def test_creates_a_staff_member_of_the_opco_and_prints_a_password(client):
    opco = OpcoFactory()

    output = run("Karine@OPCO-sante.example.org", "opco-sante")

    user = User.objects.get(email__iexact="karine@opco-sante.example.org")
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert list(user.groups.values_list("name", flat=True)) == [OPCO_STAFF_GROUP]
    assert staff_opco(user) == opco
    assert user.check_password(printed_password(output))
    assert "Compte de gestionnaire créé, OPCO\u00a0: " in output
    client.force_login(user)
    assert client.get("/admin/catalogue/session/").status_code == 200


def test_finds_the_opco_by_name_and_updates_an_existing_account():
    OpcoFactory()
    uniformation = Opco.objects.create(name="Uniformation", slug="uniformation")
    user = UserFactory(email="karine@example.org")
    run("karine@example.org", "opco-sante")

    output = run("karine@example.org", "UNIFORMATION")

    user.refresh_from_db()
    assert staff_opco(user) == uniformation
    assert user.check_password("mot-de-passe-solide-42")  # kept
    assert "mot de passe\u00a0: inchangé (le compte existait déjà)" in output


def test_a_given_password_is_set():
    OpcoFactory()
    UserFactory(email="karine@example.org")

    output = run("karine@example.org", "opco-sante", "--password", "Maraudes-2026-bis")

    assert printed_password(output) == "Maraudes-2026-bis"
    assert User.objects.get(email="karine@example.org").check_password("Maraudes-2026-bis")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("karine@example.org", "akto"), "Aucun OPCO n'a pour slug ou pour nom"),
        (("pas-une-adresse", "opco-sante"), "Adresse e-mail invalide"),
    ],
)
def test_refuses_an_unknown_opco_or_address(args, message):
    OpcoFactory()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not User.objects.exists()


def test_refuses_to_print_a_password_without_debug(settings):
    settings.DEBUG = False
    OpcoFactory()
    with pytest.raises(CommandError, match="DEBUG"):
        run("karine@example.org", "opco-sante")

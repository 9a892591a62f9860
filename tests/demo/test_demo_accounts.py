"""`make run`'s accounts beside the admin: an OPCO Santé manager and a Croix-Rouge française
member, printed with their passwords on every run, and kept as they were edited."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from backoffice.scoping import is_national, staff_opco
from catalogue.models import Provider, Session
from demo.accounts import OPCO_MANAGER_EMAIL, PROVIDER_MEMBER_EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True


def run(name, *args):
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def logins(output):
    """{e-mail: password} as printed."""
    return dict(re.findall(r"e-mail:\s+(\S+)\n\s+password: (Demo-\S+)", output))


@pytest.fixture
def demo():
    run("demo_data")


def test_prints_an_opco_manager_and_a_provider_member_who_can_log_in(demo, client):
    printed = logins(run("demo_accounts"))

    manager = User.objects.get(email=OPCO_MANAGER_EMAIL)
    member = User.objects.get(email=PROVIDER_MEMBER_EMAIL)
    assert manager.check_password(printed[OPCO_MANAGER_EMAIL])
    assert member.check_password(printed[PROVIDER_MEMBER_EMAIL])
    assert manager.is_staff and not manager.is_superuser and not is_national(manager)
    assert staff_opco(manager).slug == "opco-sante"
    assert not member.is_staff
    assert set(member.providers.values_list("slug", flat=True)) == {
        "croix-rouge-francaise",
        "horizons-travail-social",
    }
    client.force_login(manager)
    # The demo sessions are their contacts' OPCOs': the manager sees OPCO Santé's only.
    sessions = client.get("/admin/catalogue/session/", {"quand": "toutes"}).context["cl"]
    ours = Session.objects.filter(opco_contact__opco__slug="opco-sante")
    assert ours.exists() and Session.objects.exclude(pk__in=ours).exists()
    assert {session.pk for session in sessions.result_list} == set(
        ours.values_list("pk", flat=True)
    )
    assert not Session.objects.filter(opco__isnull=True).exists()
    client.force_login(member)
    home = client.get("/espace-organisme/")
    assert home.status_code == 200
    # Something to try: the demo provider's upcoming sessions, with trainers to choose from.
    assert home.context["sessions"]
    assert Session.objects.filter(
        provider__slug="horizons-travail-social", trainers__isnull=False
    ).exists()


def test_running_again_keeps_the_accounts_their_passwords_and_edits(demo):
    first = logins(run("demo_accounts"))
    manager = User.objects.get(email=OPCO_MANAGER_EMAIL)
    manager.first_name = "Karima"
    manager.save()
    member = User.objects.get(email=PROVIDER_MEMBER_EMAIL)
    member.set_password("Mon-nouveau-mot-de-passe-7")
    member.save()
    run("demo_data")

    output = run("demo_accounts")

    assert logins(output) == {OPCO_MANAGER_EMAIL: first[OPCO_MANAGER_EMAIL]}
    assert "changed since it was created" in output
    assert User.objects.get(email=OPCO_MANAGER_EMAIL).first_name == "Karima"
    assert User.objects.get(email=PROVIDER_MEMBER_EMAIL).check_password(
        "Mon-nouveau-mot-de-passe-7"
    )
    assert User.objects.filter(email__in=[OPCO_MANAGER_EMAIL, PROVIDER_MEMBER_EMAIL]).count() == 2


def test_without_the_demo_data_it_says_what_to_run():
    with pytest.raises(CommandError, match="demo_data"):
        run("demo_accounts")
    assert not Provider.objects.exists()


def test_refuses_to_print_passwords_without_debug(settings, demo):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("demo_accounts")

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def create_member(*args, **options):
    out = StringIO()
    call_command("create_provider_member", *args, stdout=out, **options)
    return out.getvalue()


def test_creates_a_member_who_can_log_in_to_the_space(settings, client, provider):
    settings.DEBUG = True

    output = create_member("Ines@Croix-Rouge.example.org", provider.slug, password="démo-2031")

    user = User.objects.get()
    assert user.email == "Ines@croix-rouge.example.org"
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(user.providers.all()) == [provider]
    assert "démo-2031" in output
    client.post(
        "/connexion/", {"username": "ines@croix-rouge.example.org", "password": "démo-2031"}
    )
    assert client.get("/espace-organisme/").status_code == 200


def test_generates_and_prints_a_password_when_none_is_given(settings, provider):
    settings.DEBUG = True

    output = create_member("ines@croix-rouge.example.org", provider.slug)

    password = re.search(r"password: (\S+)", output).group(1)
    assert len(password) >= 16
    assert User.objects.get().check_password(password)


def test_an_existing_account_is_attached_and_keeps_its_password(
    settings, charlie, provider, other_provider
):
    settings.DEBUG = True
    provider.members.add(charlie)

    output = create_member("CHARLIE@opco.example.org", other_provider.slug, password="autre")

    assert User.objects.count() == 1
    assert set(charlie.providers.all()) == {provider, other_provider}
    assert charlie.check_password("mot-de-passe-solide-42")
    assert "autre" not in output
    assert "password is unchanged" in output


def test_an_unknown_provider_is_refused_with_the_known_slugs(settings, provider):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="croix-rouge-francaise"):
        create_member("ines@croix-rouge.example.org", "inconnu")
    assert not User.objects.exists()


def test_refuses_to_run_with_debug_off_unless_forced(settings, provider):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        create_member("ines@croix-rouge.example.org", provider.slug)
    assert not User.objects.exists()

    create_member("ines@croix-rouge.example.org", provider.slug, "--force")
    assert provider.members.filter(email="ines@croix-rouge.example.org").exists()


def test_refuses_a_staff_account(settings, provider):
    # Members are never staff: a staff account in a provider's space would see every session
    # of the provider, another OPCO's too.
    settings.DEBUG = True
    staff = User.objects.create_user(email="gestion@opco.example.org", is_staff=True)

    with pytest.raises(CommandError, match="compte de l'administration"):
        create_member(staff.email, provider.slug)
    assert not provider.members.exists()

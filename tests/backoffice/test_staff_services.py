"""The OPCO staff accounts' services, in one module (backoffice.staff): the invitation by mail
is sent once per account in each slot (a double submit sends one mail), and an account created
meanwhile by a concurrent request is taken rather than failing."""

import pytest

import providers.accounts
from accounts.models import User
from backoffice.scoping import staff_opco
from backoffice.staff import opco_staff_save, staff_invite
from outbox.models import OutboxMail
from providers.accounts import Invitation
from providers.mails import ProviderMailKind
from tests.factories import OpcoFactory, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "agathe@opco-sante.example.org"


def invitations():
    return OutboxMail.objects.filter(kind=ProviderMailKind.STAFF_INVITATION)


def test_a_double_submit_queues_one_invitation(django_capture_on_commit_callbacks):
    opco = OpcoFactory()
    with django_capture_on_commit_callbacks(execute=False):
        assert staff_invite(opco_id=opco.pk, email=EMAIL) is Invitation.INVITED
        assert staff_invite(opco_id=opco.pk, email=EMAIL.upper()) is Invitation.INVITED

    assert invitations().count() == 1
    assert User.objects.filter(email__iexact=EMAIL).count() == 1


def test_an_account_created_meanwhile_is_taken(monkeypatch):
    opco = OpcoFactory()
    existing = UserFactory(email=EMAIL, password=None)
    existing.set_unusable_password()
    existing.save()
    manager = User.objects
    lookup = manager.select_for_update
    missed = []

    def racing():
        # The first lookup misses the account, which another request creates just then.
        if not missed:
            missed.append(True)
            return lookup().none()
        return lookup()

    monkeypatch.setattr(manager, "select_for_update", racing)

    assert staff_invite(opco_id=opco.pk, email=EMAIL) is Invitation.INVITED
    assert missed
    assert staff_opco(User.objects.get(pk=existing.pk)) == opco
    assert User.objects.filter(email__iexact=EMAIL).count() == 1
    assert invitations().count() == 1


def test_the_command_and_the_invitation_share_one_account():
    opco = OpcoFactory()
    saved = opco_staff_save(email=EMAIL, opco=opco)
    assert saved.created and saved.user.check_password(saved.password)

    assert staff_invite(opco_id=opco.pk, email=EMAIL) is Invitation.ACCESS_GRANTED
    again = opco_staff_save(email=EMAIL.upper(), opco=opco)
    assert not again.created and again.password is None
    assert again.user.check_password(saved.password)


def test_the_staff_services_live_in_backoffice_only():
    assert not hasattr(providers.accounts, "staff_invite")
    assert not hasattr(providers.accounts, "opco_staff_grant")

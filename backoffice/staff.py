"""OPCO staff accounts: created or updated for one OPCO's programme (the command
`create_opco_staff`, the demo's manager) or invited by mail by a superuser (the admin's
"Inviter un gestionnaire"). Both find or create the account as the members' services do
(`providers.accounts.account_find_or_create`).

The invitation mail's single-use link (providers.mails, STAFF_INVITATION) opens the providers'
password page, which lands a staff account without a provider in the admin: providers sits
below backoffice and knows nothing of this module."""

import dataclasses
import secrets

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.permissions import OPCO_STAFF_GROUP
from catalogue.models import Opco, OpcoStaff
from outbox.queue import mail_queue
from providers.accounts import Invitation, account_find_or_create, account_to_invite
from providers.mails import ProviderMailKind

# One invitation mail per account in each slot of this many minutes: a double submit (or two
# superusers at once) sends one mail; the first mail's link stays valid meanwhile (its token is
# made when it leaves).
STAFF_INVITATION_MAIL_MINUTES = 10


def opco_find(text: str) -> Opco | None:
    """The OPCO by its slug or its name, in any case."""
    text = text.strip()
    return Opco.objects.filter(Q(slug__iexact=text) | Q(name__iexact=text)).first()


def opco_staff_grant(*, user: User, opco: Opco) -> None:
    """Make the account a staff member of `opco`: staff, in the "Gestionnaires OPCO" group, its
    membership pointing at `opco` (moved there from another OPCO's). Call inside a
    transaction."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=OPCO_STAFF_GROUP))
    OpcoStaff.objects.update_or_create(user=user, defaults={"opco": opco})


@dataclasses.dataclass
class StaffSaved:
    user: User
    created: bool
    # The password set by this call (None: the existing account keeps its own).
    password: str | None


def opco_staff_save(*, email: str, opco: Opco, password: str | None = None) -> StaffSaved:
    """Make `email` a staff member of `opco`: staff, in the "Gestionnaires OPCO" group, its
    membership pointing at `opco` (moved there if it was another OPCO's). A new account gets
    `password`, or a generated one; an existing account keeps its password unless one is
    given. Atomic."""
    email = User.objects.normalize_email(email.strip())
    with transaction.atomic():
        new_password = password or secrets.token_urlsafe(16)
        user, created = account_find_or_create(email=email, password=new_password)
        if created:
            password = new_password
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
        opco_staff_grant(user=user, opco=opco)
    return StaffSaved(user=user, created=created, password=password)


def staff_invite(
    *, opco_id: int, email: str, first_name: str = "", last_name: str = ""
) -> Invitation:
    """Make the address a staff member of the OPCO (superusers invite from the admin), creating
    its account without a usable password if it has none; an account without a password gets
    the mail whose single-use link lets it choose one and lands it in the admin (one mail per
    account in each STAFF_INVITATION_MAIL_MINUTES slot). An account that has a password gets no
    mail (ACCESS_GRANTED): it logs in as before.

    Raises ValidationError for a deactivated account."""
    with transaction.atomic():
        opco = Opco.objects.select_for_update().get(pk=opco_id)
        user = account_to_invite(email=email, first_name=first_name, last_name=last_name)
        opco_staff_grant(user=user, opco=opco)
        if user.has_usable_password():
            return Invitation.ACCESS_GRANTED
        slot = int(timezone.now().timestamp()) // (STAFF_INVITATION_MAIL_MINUTES * 60)
        mail_queue(
            kind=ProviderMailKind.STAFF_INVITATION,
            recipient=user.email,
            about=user,
            dedup_key=f"staff_invitation:{user.pk}:{slot}",
        )
    return Invitation.INVITED

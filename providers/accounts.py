"""The accounts of the providers' members: invitation by OPCO staff, password reset by e-mail.
(OPCO staff's own accounts, invited by superusers, are backoffice.staff's: the invitation's
link lands them in the admin through the same password page.)
The mails go through the outbox; their one-time links are made when they leave
(providers.mails)."""

import dataclasses
import enum
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.lockout import lockout_lift
from catalogue.models import Provider
from outbox.queue import mail_queue

from .mails import ProviderMailKind

# One reset mail per account in each slot of this many minutes, whatever the IPs asking (the
# per-IP limit alone lets anyone who rotates addresses flood a mailbox). The first mail's link
# stays valid meanwhile: its token is made when it leaves, and a deduplicated row costs nothing.
PASSWORD_RESET_MAIL_MINUTES = 10


class Invitation(enum.Enum):
    """What an invitation did."""

    # A new account, or one that never chose a password: the mail carries the link to choose it.
    INVITED = "invited"
    # An account with a password, now a member: the mail says so, with the login page.
    ACCESS_GRANTED = "access_granted"
    # Already a member, with a password: nothing to do, nothing sent.
    ALREADY_MEMBER = "already_member"


def account_find_or_create(
    *, email: str, first_name: str = "", last_name: str = "", password: str | None = None
):
    """The account of `email` (normalised by the caller), locked, or a new one (True) with
    `password`, or without a usable password when None. An account created meanwhile by a
    concurrent request is taken rather than failing on the unique address. Call inside a
    transaction. The one find-or-create of the members' services here and of the staff's
    (backoffice.staff)."""
    User = get_user_model()
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    # The address's uniqueness is the database's to check (below): a check here would race.
    user.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # The same address created meanwhile by another request: take that account.
        return User.objects.select_for_update().get(email__iexact=email), False
    return user, True


def account_to_invite(*, email: str, first_name: str = "", last_name: str = ""):
    """The account an invitation is for: that of `email` (normalised here), locked, or a new
    one without a usable password. Raises ValidationError for a deactivated account (staff
    reactivate it first, knowingly). Call inside a transaction. The invitations of the members
    (member_invite) and of the OPCO staff (backoffice.staff.staff_invite)."""
    email = get_user_model().objects.normalize_email(email.strip())
    user, _created = account_find_or_create(email=email, first_name=first_name, last_name=last_name)
    if not user.is_active:
        raise ValidationError(
            _("Ce compte est désactivé\u00a0: réactivez-le avant de l'inviter."),
            code="inactive",
        )
    return user


def _member_check(user) -> None:
    """Members are the provider's people, never staff: a member sees every session of the
    provider, whatever its OPCO, and an OPCO's staff who joined would see another OPCO's
    trainees."""
    if user.is_staff or user.is_superuser:
        raise ValidationError(
            _(
                "Cette adresse est celle d'un compte de l'administration\u00a0: un membre de "
                "l'espace d'un organisme ne peut pas en être un."
            ),
            code="staff",
        )


def member_invite(
    *, provider_id: int, email: str, first_name: str = "", last_name: str = ""
) -> Invitation:
    """Make the address a member of the provider, creating its account (without a usable
    password) if it has none, and queue the mail that lets it in (the admin's view logs who
    invited whom in the provider's history).

    Raises ValidationError for a deactivated account (staff reactivate it first, knowingly) and
    for a staff or superuser account (members are never staff)."""
    with transaction.atomic():
        # One invitation at a time per provider: two clicks on "Inviter" make one account.
        provider = Provider.objects.select_for_update().get(pk=provider_id)
        user = account_to_invite(email=email, first_name=first_name, last_name=last_name)
        _member_check(user)
        already = provider.members.filter(pk=user.pk).exists()
        if already and user.has_usable_password():
            return Invitation.ALREADY_MEMBER
        provider.members.add(user)
        if user.has_usable_password():
            kind, outcome = ProviderMailKind.ACCESS_GRANTED, Invitation.ACCESS_GRANTED
        else:
            kind, outcome = ProviderMailKind.INVITATION, Invitation.INVITED
        mail_queue(kind=kind, recipient=user.email, about=provider)
    return outcome


def password_reset_request(*, email: str) -> bool:
    """Queue a reset link for the active account of this address, if there is one and none
    was queued for it in the current PASSWORD_RESET_MAIL_MINUTES slot; True if a mail was
    queued. The caller answers the same either way. An account invited but that never chose a
    password gets one too: it is how an expired invitation is renewed."""
    User = get_user_model()
    email = email.strip()
    if len(email) > User._meta.get_field("email").max_length:
        return False
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return False
    slot = int(timezone.now().timestamp()) // (PASSWORD_RESET_MAIL_MINUTES * 60)
    with transaction.atomic():
        mail = mail_queue(
            kind=ProviderMailKind.PASSWORD_RESET,
            recipient=user.email,
            about=user,
            dedup_key=f"password_reset:{user.pk}:{slot}",
        )
    return mail is not None


def password_chosen(*, user) -> None:
    """After a password set through a mailed link: whoever holds the mailbox owns the account,
    so its login lock-out (per account) is lifted. A locked-out IP stays locked out."""
    lockout_lift(email=user.email)


@dataclasses.dataclass
class MemberSaved:
    user: Any
    created: bool
    # The password set by this call (None: the existing account keeps its own).
    password: str | None


def member_save(
    *,
    email: str,
    provider: Provider,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> MemberSaved:
    """Make `email` a member of `provider` (the command `create_provider_member` and the demo's
    member, demo.accounts), creating its account, with these names and `password` or a
    generated one, if it has none; an existing account keeps its names and password. Raises
    ValidationError for a staff or superuser account."""
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    with transaction.atomic():
        new_password = password or secrets.token_urlsafe(16)
        user, created = account_find_or_create(
            email=email, first_name=first_name, last_name=last_name, password=new_password
        )
        _member_check(user)
        provider.members.add(user)
    return MemberSaved(user=user, created=created, password=new_password if created else None)

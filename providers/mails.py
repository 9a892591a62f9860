"""The accounts' and the providers' space's mails: their kinds and builders (registered with the
outbox's `@builds`, imported by ProvidersConfig.ready()).

The one-time links (invitation, password reset) are made by the builders, when the mail
leaves: no token is stored, and a link is valid from the moment it is sent."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.tokens import INVITATION_VALID_FOR, invitation_token_generator, user_uidb64
from catalogue.models import Provider
from outbox.models import OutboxMail
from outbox.registry import Draft, builds

from .selectors import pending_digest_sessions


class ProviderMailKind(models.TextChoices):
    INVITATION = "member_invitation", gettext_lazy("Invitation à l'espace organisme")
    ACCESS_GRANTED = "member_access", gettext_lazy("Accès à l'espace d'un organisme")
    PASSWORD_RESET = "password_reset", gettext_lazy("Réinitialisation du mot de passe")
    PENDING_DIGEST = "pending_digest", gettext_lazy("Inscriptions à valider")
    STAFF_INVITATION = "staff_invitation", gettext_lazy("Invitation à l'administration (OPCO)")


def _member(mail: OutboxMail) -> tuple[Provider, object] | None:
    """The provider the mail is about and its active member the mail goes to; None once the
    provider was deleted or the account left it (or was deactivated) before the mail left."""
    provider = Provider.objects.filter(pk=mail.object_id).first()
    if provider is None:
        return None
    user = (
        get_user_model()
        .objects.filter(email__iexact=mail.recipient, is_active=True, providers=provider)
        .first()
    )
    if user is None:
        return None
    return provider, user


def _site(path: str) -> str:
    return settings.SITE_URL + path


@builds(ProviderMailKind.INVITATION)
def _invitation(mail: OutboxMail) -> Draft | None:
    """A new member chooses their password: the link works once, for INVITATION_VALID_FOR."""
    found = _member(mail)
    if found is None:
        return None
    provider, user = found
    if user.has_usable_password():
        # They chose a password since (an earlier invitation, a reset): a link that sets it
        # again would be a reset link nobody asked for.
        return None
    token = invitation_token_generator.make_token(user)
    url = reverse("providers:invitation", args=[user_uidb64(user), token])
    return Draft(
        subject=_("Votre accès à l'espace organisme d'Allervers – %(provider)s")
        % {"provider": provider.name},
        context={
            "provider": provider,
            "member": user,
            "invitation_url": _site(url),
            "valid_days": INVITATION_VALID_FOR.days,
            "reset_url": _site(reverse("providers:password_reset")),
        },
    )


@builds(ProviderMailKind.ACCESS_GRANTED)
def _access_granted(mail: OutboxMail) -> Draft | None:
    """An account that already has a password now enters this provider's space too."""
    found = _member(mail)
    if found is None:
        return None
    provider, user = found
    return Draft(
        subject=_("Accès à l'espace organisme – %(provider)s") % {"provider": provider.name},
        context={
            "provider": provider,
            "member": user,
            "login_url": _site(reverse("providers:login")),
            "reset_url": _site(reverse("providers:password_reset")),
        },
    )


@builds(ProviderMailKind.PASSWORD_RESET)
def _password_reset(mail: OutboxMail) -> Draft | None:
    """The reset link (Django's token: valid PASSWORD_RESET_TIMEOUT, once)."""
    user = (
        get_user_model()
        .objects.filter(pk=mail.object_id, is_active=True, email__iexact=mail.recipient)
        .first()
    )
    if user is None:
        return None
    token = default_token_generator.make_token(user)
    url = reverse("providers:password_reset_confirm", args=[user_uidb64(user), token])
    return Draft(
        subject=_("Réinitialisation de votre mot de passe Allervers"),
        context={
            "member": user,
            "reset_url": _site(url),
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        },
    )


@builds(ProviderMailKind.PENDING_DIGEST)
def _pending_digest(mail: OutboxMail) -> Draft | None:
    """The provider's sessions with enrolments awaiting a decision, as they are when the mail
    leaves (none left: nothing to say)."""
    found = _member(mail)
    if found is None:
        return None
    provider, user = found
    sessions = pending_digest_sessions(provider=provider)
    if not sessions:
        return None
    total = sum(session.pending_count for session in sessions)
    return Draft(
        subject=_("Inscriptions à valider – %(provider)s") % {"provider": provider.name},
        context={
            "provider": provider,
            "member": user,
            "sessions": sessions,
            "total": total,
            "space_url": _site(reverse("providers:home")),
        },
    )


@builds(ProviderMailKind.STAFF_INVITATION)
def _staff_invitation(mail: OutboxMail) -> Draft | None:
    """A new OPCO staff member chooses their password, then lands in the admin: the link works
    once, for INVITATION_VALID_FOR."""
    user = (
        get_user_model()
        .objects.filter(
            pk=mail.object_id, is_active=True, is_staff=True, email__iexact=mail.recipient
        )
        .select_related("opco_staff__opco")
        .first()
    )
    if user is None or user.has_usable_password():
        # Gone, no longer staff, or a password chosen since: nothing to set.
        return None
    membership = getattr(user, "opco_staff", None)
    token = invitation_token_generator.make_token(user)
    url = reverse("providers:invitation", args=[user_uidb64(user), token])
    return Draft(
        subject=_("Votre accès à l'administration d'Allervers"),
        context={
            "member": user,
            "opco": membership.opco if membership else None,
            "invitation_url": _site(url),
            "valid_days": INVITATION_VALID_FOR.days,
            "reset_url": _site(reverse("providers:password_reset")),
        },
    )

"""The provider page's "Inviter un membre": staff give an address access to the provider's
space; the service creates the account if needed and mails the link to choose a password."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from accounts.tokens import INVITATION_VALID_FOR
from providers.accounts import Invitation, member_invite
from providers.forms import InvitationForm

from .objects import object_change_url


class MemberInvitationMixin:
    """`<object_id>/inviter/` on a provider's admin: a form (GET), the invitation (POST)."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "<path:object_id>/inviter/",
                self.admin_site.admin_view(self.invite_member_view),
                name="{}_{}_invite".format(*info),
            )
        ]
        return urls + super().get_urls()

    def invite_member_view(self, request, object_id):
        provider = self.get_object(request, unquote(object_id))
        if provider is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, provider):
            raise PermissionDenied
        change_url = object_change_url(self, provider)
        form = InvitationForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            email = form.cleaned_data["email"]
            try:
                outcome = member_invite(
                    provider_id=provider.pk,
                    email=email,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self._invitation_report(request, provider, email, outcome)
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Inviter un membre – %(provider)s") % {"provider": provider.name},
            "opts": self.opts,
            "original": provider,
            "form": form,
            "change_url": change_url,
            "valid_days": INVITATION_VALID_FOR.days,
        }
        return TemplateResponse(request, "admin/catalogue/provider/invite_member.html", context)

    def _invitation_report(self, request, provider, email, outcome):
        # The admin's template capitalises a message's first letter (capfirst): a message never
        # starts with the address, which must read as typed.
        if outcome is Invitation.ALREADY_MEMBER:
            self.message_user(
                request,
                _("Aucun e-mail envoyé : %(email)s est déjà membre de l'espace.")
                % {"email": email},
                messages.WARNING,
            )
            return
        if outcome is Invitation.INVITED:
            text = _(
                "Invitation envoyée : %(email)s est membre de l'espace et reçoit un e-mail "
                "pour choisir son mot de passe (lien valable %(days)d jours)."
            )
        else:
            text = _(
                "Accès ouvert : %(email)s a déjà un compte, accède désormais à l'espace et "
                "reçoit un e-mail qui l'en informe."
            )
        self.log_change(request, provider, _("Membre invité : %(email)s") % {"email": email})
        self.message_user(
            request, text % {"email": email, "days": INVITATION_VALID_FOR.days}, messages.SUCCESS
        )

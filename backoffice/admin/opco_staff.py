"""Which OPCO each staff account works for. Superusers assign them and invite new staff by mail
("Inviter un gestionnaire"); OPCO staff only read their own OPCO's."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.tokens import INVITATION_VALID_FOR
from catalogue.models import Opco, OpcoStaff
from providers.accounts import Invitation
from providers.forms import InvitationForm

from ..scoping import NationalContentMixin, OpcoScopedAdminMixin, opco_staff_q
from ..staff import staff_invite


class StaffInvitationForm(InvitationForm):
    opco = forms.ModelChoiceField(
        label=gettext_lazy("OPCO"),
        queryset=Opco.objects.all(),
        help_text=gettext_lazy("Le gestionnaire verra et gérera le programme de cet OPCO."),
    )

    field_order = ("email", "opco", "first_name", "last_name")


@admin.register(OpcoStaff)
class OpcoStaffAdmin(NationalContentMixin, OpcoScopedAdminMixin, admin.ModelAdmin):
    opco_scope = opco_staff_q
    change_list_template = "admin/catalogue/opcostaff/change_list.html"
    list_display = ("user", "opco")
    list_filter = ("opco",)
    list_select_related = ("user", "opco")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)

    def get_urls(self):
        return [
            path(
                "inviter/",
                self.admin_site.admin_view(self.invite_view),
                name="catalogue_opcostaff_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request):
        """A new staff member of an OPCO, by mail: superusers only (the account's rights)."""
        if not request.user.is_superuser:
            raise PermissionDenied
        changelist_url = reverse("admin:catalogue_opcostaff_changelist")
        form = StaffInvitationForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            email = form.cleaned_data["email"]
            try:
                outcome = staff_invite(
                    opco_id=form.cleaned_data["opco"].pk,
                    email=email,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                opco = form.cleaned_data["opco"]
                if outcome is Invitation.INVITED:
                    text = _(
                        "Invitation envoyée\u00a0: %(email)s gère le programme de %(opco)s et "
                        "reçoit un e-mail pour choisir son mot de passe (lien valable %(days)d "
                        "jours)."
                    )
                else:
                    text = _(
                        "Accès ouvert\u00a0: %(email)s a déjà un mot de passe et gère désormais le "
                        "programme de %(opco)s."
                    )
                self.message_user(
                    request,
                    text % {"email": email, "opco": opco, "days": INVITATION_VALID_FOR.days},
                    messages.SUCCESS,
                )
                return redirect(changelist_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Inviter un gestionnaire OPCO"),
            "opts": self.opts,
            "form": form,
            "changelist_url": changelist_url,
            "valid_days": INVITATION_VALID_FOR.days,
        }
        return TemplateResponse(request, "admin/catalogue/opcostaff/invite.html", context)

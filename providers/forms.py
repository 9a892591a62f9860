from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from catalogue.text import MESSAGE_MAX_LENGTH, clean_text


class LoginForm(AuthenticationForm):
    """Django's login form with an e-mail field. The backend looks the address up without
    regard to case (UserManager.get_by_natural_key), so the message does not say otherwise."""

    username = forms.EmailField(
        label=_("Adresse e-mail"),
        # The user model's limit (Django's field allows 320).
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie et réessayez."
        ),
    }


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        help_text=_("Il figure dans l'e-mail envoyé au stagiaire."),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        help_text=_("L'adresse avec laquelle vous vous connectez."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class InvitationForm(forms.Form):
    """OPCO staff invite a member to a provider's space (the admin's provider page)."""

    # The admin's style marks the labels of required fields.
    required_css_class = "required"

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)

    # Names as the catalogue stores them: no bidirectional control, NFC (which may lengthen
    # them: the limit is checked again on the cleaned name).
    def _clean_name(self, name):
        value = clean_text(self.cleaned_data[name])
        limit = self.fields[name].max_length
        if len(value) > limit:
            raise forms.ValidationError(
                _("Ce nom est trop long (%(limit)d caractères au plus).") % {"limit": limit},
                code="max_length",
            )
        return value

    def clean_first_name(self):
        return self._clean_name("first_name")

    def clean_last_name(self):
        return self._clean_name("last_name")

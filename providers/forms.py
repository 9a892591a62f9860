from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from catalogue.text import MESSAGE_MAX_LENGTH


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

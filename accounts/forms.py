from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import User


class EmailUniqueMixin:
    """Reject an address that differs from an existing one only in case (the database
    constraint would too, with a less helpful message)."""

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("Un compte utilise déjà cette adresse e-mail."), code="unique"
            )
        return email


class UserCreationAdminForm(EmailUniqueMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)
        field_classes = {}


class UserChangeAdminForm(EmailUniqueMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {}

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from catalogue.models import Provider

from .imports import ImportFileError, read_upload

ACCEPTED_TYPES = ",".join(
    (
        ".csv",
        ".xlsx",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
)


class SessionImportForm(forms.Form):
    """The file to import, and the provider it is for when the user belongs to several. The
    file is read here (`sheet`); its rows are checked by `imports.import_preview`."""

    provider = forms.ModelChoiceField(
        label=_("Organisme"), queryset=Provider.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("Fichier des sessions (CSV ou XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_TYPES}),
    )

    def __init__(self, *args, providers: list[Provider], **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = None
        self.provider = providers[0] if len(providers) == 1 else None
        if self.provider is not None:
            del self.fields["provider"]
        else:
            self.fields["provider"].queryset = Provider.objects.filter(
                pk__in=[provider.pk for provider in providers]
            ).order_by("name")
        self.fields["file"].help_text = _(
            "Au plus %(size)s Mo et %(rows)d sessions ; la première ligne porte les en-têtes du "
            "modèle."
        ) % {
            "size": f"{settings.SESSION_IMPORT_MAX_BYTES / 1_000_000:g}".replace(".", ","),
            "rows": settings.SESSION_IMPORT_MAX_ROWS,
        }

    def add_error_unbound(self, message: str) -> None:
        """Show `message` on the file field of a form whose request was not read (too large
        to be)."""
        self.is_bound = True
        self.cleaned_data = {}
        self._errors = ErrorDict()
        self.add_error("file", message)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.sheet = read_upload(upload)
        except ImportFileError as error:
            raise ValidationError(error.message, code="file") from None
        return upload

    def clean(self):
        cleaned_data = super().clean()
        if self.provider is None:
            self.provider = cleaned_data.get("provider")
        return cleaned_data

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from catalogue.geography import DEPARTMENT_CHOICES, REGION_CHOICES
from catalogue.models import Module, Provider


def month_choices(*, future: bool, count: int, today: datetime.date | None = None):
    """("2023-06", "juin 2023") for the next (or last) `count` months, current month included."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    choices = []
    for _index in range(count):
        first = datetime.date(year, month, 1)
        choices.append((f"{first:%Y-%m}", date_format(first, "F Y")))
        month += 1 if future else -1
        if month == 13:
            year, month = year + 1, 1
        elif month == 0:
            year, month = year - 1, 12
    return choices


def _parse_month(value):
    return datetime.datetime.strptime(value, "%Y-%m").date()


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters, sent by GET so that every filtered view has its own URL."""

    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=200,
        help_text=_("Un module, une ville, un organisme, un mot du programme."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    module = forms.ModelChoiceField(
        label=_("Module"),
        queryset=Module.objects.order_by("number"),
        to_field_name="slug",
        required=False,
        empty_label=_("Tous les modules"),
    )
    region = forms.ChoiceField(
        label=_("Région"), required=False, choices=[("", _("Toutes les régions"))] + REGION_CHOICES
    )
    department = forms.ChoiceField(
        label=_("Département"),
        required=False,
        choices=[("", _("Tous les départements"))] + DEPARTMENT_CHOICES,
    )
    city = forms.CharField(label=_("Ville"), required=False, max_length=100)
    provider = forms.ModelChoiceField(
        label=_("Organisme de formation"),
        queryset=Provider.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Tous les organismes"),
    )
    month = forms.TypedChoiceField(
        label=_("Mois de début"), required=False, coerce=_parse_month, empty_value=None
    )
    available = forms.BooleanField(
        label=_("Uniquement les sessions avec des places disponibles"), required=False
    )

    def __init__(self, *args, archives: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        months = month_choices(future=not archives, count=24 if archives else 12)
        self.fields["month"].choices = [("", _("Tous les mois"))] + months
        if archives:
            del self.fields["available"]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "catalogue-filters"
        self.helper.attrs = {"role": "search", "aria-label": _("Filtrer les sessions")}
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("q"),
            # Side by side on a tablet; one column in the sidebar of a wide screen.
            Row(
                Column("module", css_class="col-md-6 col-lg-12"),
                Column("provider", css_class="col-md-6 col-lg-12"),
                Column("region", css_class="col-md-6 col-lg-12"),
                Column("department", css_class="col-md-6 col-lg-12"),
                Column("city", css_class="col-md-6 col-lg-12"),
                Column("month", css_class="col-md-6 col-lg-12"),
            ),
            *(["available"] if not archives else []),
            Div(
                # A plain button: a named submit input would add itself to the shared URL.
                HTML(
                    '<button type="submit" class="btn btn-primary">'
                    f"{_('Afficher les sessions')}</button>"
                    '<a class="btn btn-link" href="{{ request.path }}">'
                    f"{_('Effacer les filtres')}</a>"
                ),
                css_class="d-flex flex-wrap gap-2 align-items-center",
            ),
        )

    @property
    def filters(self) -> dict:
        """The valid filters that have a value."""
        if not self.is_bound:
            return {}
        self.is_valid()  # an invalid field is left out and its error shown; the others apply
        return {key: value for key, value in self.cleaned_data.items() if value}

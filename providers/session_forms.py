"""The providers' space form of a session and its days. The rules are the lifecycle service's
(enrolment.session_services.session_provider_save): the form checks what each field holds,
then shows the service's refusals next to the fields they name."""

import datetime

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from catalogue.models import Session, Trainer
from catalogue.text import FICHE_TEXT_MAX_LENGTH
from catalogue.widgets import TIME_INPUT_FORMATS, FrenchTimeInput
from enrolment.session_services import DAY_TIMES, HALF_DAYS, PROVIDER_FIELDS

# Fields the service names that the form shows elsewhere: derived from the postcode.
SERVICE_FIELD_ON_FORM = {"department": "postcode", "region": "postcode"}
# The session's own fields on the form: what a provider may set (the service's
# PROVIDER_FIELDS), but what derives from another field.
FORM_FIELDS = tuple(name for name in PROVIDER_FIELDS if name not in SERVICE_FIELD_ON_FORM)
# The provider's own wording of the fiche's texts (the model's `fiche_text` fields).
FICHE_FIELDS = tuple(
    name
    for name in FORM_FIELDS
    if Session._meta.get_field(name).max_length == FICHE_TEXT_MAX_LENGTH
)

# New rows come with the usual hours.
DEFAULT_TIMES = {
    "morning_start": datetime.time(9, 0),
    "morning_end": datetime.time(12, 30),
    "afternoon_start": datetime.time(13, 30),
    "afternoon_end": datetime.time(17, 0),
}
# Empty rows under the days, to add days without JavaScript.
EXTRA_DAYS_NEW = 3
EXTRA_DAYS_EDIT = 2
MAX_DAYS = 30


def _time_field(label):
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=TIME_INPUT_FORMATS,
        # "9 h 00", as the admin shows it.
        widget=FrenchTimeInput(),
    )


class SessionForm(forms.Form):
    """A session's fields and trainers (the days are the DayFormSet's)."""

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                Session,
                fields=FORM_FIELDS,
                widgets={
                    "registration_deadline": forms.DateInput(
                        attrs={"type": "date"}, format="%Y-%m-%d"
                    ),
                    "access_notes": forms.Textarea(attrs={"rows": 2}),
                    **{name: forms.Textarea(attrs={"rows": 4}) for name in FICHE_FIELDS},
                },
            )
        )
        self.fields["trainers"] = forms.ModelMultipleChoiceField(
            label=_("Intervenants"),
            queryset=Trainer.objects.filter(provider=provider).order_by("last_name", "first_name"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Les intervenants de l'organisme\u00a0; l'OPCO peut en ajouter."),
        )
        self.fields["module"].empty_label = _("Choisissez un module")
        self.fields["postcode"].help_text = _("Le département et la région en sont déduits.")
        # The fieldset's introduction says what a blank contact means.
        self.fields["disability_contact_name"].help_text = ""
        hints = {
            "postcode": {"inputmode": "numeric", "autocomplete": "postal-code"},
            "city": {"autocomplete": "address-level2"},
            "venue_address": {"autocomplete": "street-address"},
            "capacity": {"inputmode": "numeric"},
            "min_participants": {"inputmode": "numeric"},
            "disability_contact_email": {"autocomplete": "email"},
            "disability_contact_phone": {"autocomplete": "tel"},
        }
        for name, attrs in hints.items():
            self.fields[name].widget.attrs.update(attrs)

    def session_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in FORM_FIELDS}

    def trainer_ids(self) -> list[int]:
        return [trainer.pk for trainer in self.cleaned_data["trainers"]]


class DayForm(forms.Form):
    # The day it keeps (and its attendance), for an existing one.
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    morning_start = _time_field(_("Début du matin"))
    morning_end = _time_field(_("Fin du matin"))
    afternoon_start = _time_field(_("Début de l'après-midi"))
    afternoon_end = _time_field(_("Fin de l'après-midi"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date", *DAY_TIMES):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        if not self.initial:
            # A new row: the usual hours, which the row keeps unless its date is filled.
            self.initial = dict(DEFAULT_TIMES)

    def full_clean(self):
        super().full_clean()
        # Bootstrap's look of a field in error, and its message read with it (the fields are
        # this form's own copies).
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-describedby"] = f"{self[name].auto_id}_erreur"

    def clean(self):
        cleaned = super().clean()
        if self.has_changed() and not cleaned.get("date") and "date" not in self.errors:
            self.add_error("date", _("Indiquez la date de cette journée."))
        for start, end in HALF_DAYS:
            if bool(cleaned.get(start)) != bool(cleaned.get(end)):
                missing = end if cleaned.get(start) else start
                self.add_error(missing, _("Indiquez le début et la fin."))
        return cleaned

    @property
    def is_blank(self):
        """A row left as it came (an empty one), or whose date was removed."""
        return not (getattr(self, "cleaned_data", None) or {}).get("date")


class BaseDayFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Retirer")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def day_values(self) -> list[dict]:
        """The days as the service takes them; rows without a date, or ticked for removal, are
        left out."""
        days = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.is_blank:
                continue
            values = {name: form.cleaned_data.get(name) for name in ("date", *DAY_TIMES)}
            if form.cleaned_data.get("id"):
                values["id"] = form.cleaned_data["id"]
            days.append(values)
        return days


def day_formset(*, data=None, initial=None, extra: int):
    formset_class = forms.formset_factory(
        DayForm,
        formset=BaseDayFormSet,
        extra=extra,
        can_delete=True,
        max_num=MAX_DAYS,
        absolute_max=MAX_DAYS,
        validate_max=True,
    )
    return formset_class(data=data, initial=initial, prefix="jours")


def add_service_errors(form: SessionForm, error) -> list[str]:
    """Put each of the service's refusals next to the field it names; returns those about
    the days, which the page shows above them."""
    days_errors = []
    for field, errors in error.error_dict.items():
        messages = [message for item in errors for message in item.messages]
        if field == "days":
            days_errors.extend(messages)
            continue
        field = SERVICE_FIELD_ON_FORM.get(field, field)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    return days_errors

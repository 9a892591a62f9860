from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from catalogue.models import postcode_validator
from catalogue.text import (
    MESSAGE_MAX_LENGTH,
    clean_text,
    normalise_phone,
    validate_phone,
    validate_visible,
)

from .models import (
    RATING_CHOICES,
    SATISFACTION_RATINGS,
    Civility,
    DiplomaLevel,
    Job,
    PrerequisiteBasis,
    SatisfactionResponse,
)
from .selectors import module_requires_prerequisite
from .services import EMPLOYER_FIELDS, ENROLMENT_FIELDS, PREREQUISITE_FIELDS, TRAINEE_FIELDS
from .validators import (
    normalise_siret,
    validate_job_other,
    validate_prerequisite_declaration,
    validate_public_email,
    validate_siret,
)

# The form's names for the service's employer fields ("name" alone would be ambiguous here).
FORM_EMPLOYER_FIELDS = {"employer_name": "name"} | {
    field: field for field in EMPLOYER_FIELDS if field != "name"
}
# A field that people never see nor reach; scripts that fill every field fill it.
HONEYPOT_FIELD = "site_internet"


class TelInput(forms.TextInput):
    input_type = "tel"


class PublicEmailField(forms.EmailField):
    """An address typed in a public form: 254 characters at most (the models' limit; Django's
    field allows 320), and none of what `validate_public_email` refuses."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        # Before the EmailValidator (run_validators), so that one message is shown.
        if value:
            validate_public_email(value)


class EnrolmentForm(forms.Form):
    """The enrolment form of a session. The rules (seats, prerequisite, duplicates) are the
    services'; this form checks what was typed, field by field, to answer at once."""

    civility = forms.ChoiceField(
        label=_("Civilité (facultatif)"),
        choices=[("", _("Non précisée")), *Civility.choices],
        required=False,
    )
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    email = PublicEmailField(
        label=_("E-mail professionnel"),
        help_text=_("Votre confirmation et votre lien personnel y seront envoyés."),
    )
    phone = forms.CharField(label=_("Téléphone"), max_length=30, widget=TelInput)
    job = forms.ChoiceField(label=_("Métier"), choices=[("", "---------"), *Job.choices])
    job_other = forms.CharField(
        label=_("Votre métier, si «\u00a0Autre\u00a0»"), max_length=100, required=False
    )
    diploma_level = forms.ChoiceField(
        label=_("Niveau de diplôme"), choices=[("", "---------"), *DiplomaLevel.choices]
    )
    employer_name = forms.CharField(label=_("Nom de la structure"), max_length=200)
    siret = forms.CharField(
        label=_("SIRET de la structure"),
        max_length=20,
        validators=[validate_siret],
        help_text=_("14 chiffres, sur la fiche de paie ou auprès de votre service RH."),
    )
    postcode = forms.CharField(
        label=_("Code postal"), max_length=5, validators=[postcode_validator]
    )
    city = forms.CharField(label=_("Ville"), max_length=100)
    opco_member_number = forms.CharField(
        label=_("Numéro d'adhérent OPCO (facultatif)"), max_length=50, required=False
    )
    employer_contact_name = forms.CharField(
        label=_("Nom du responsable qui donne son accord"), max_length=200
    )
    employer_contact_email = PublicEmailField(label=_("E-mail du responsable"))
    prerequisite_basis = forms.ChoiceField(
        label=_("Pour suivre ce module, vous…"),
        choices=PrerequisiteBasis.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    prerequisite_module_when = forms.CharField(
        label=_("Quand avez-vous suivi le module\u00a0?"),
        help_text=_("Par exemple\u00a0: octobre 2023."),
        max_length=100,
        required=False,
    )
    prerequisite_module_provider = forms.CharField(
        label=_("Auprès de quel organisme\u00a0?"), max_length=200, required=False
    )
    prerequisite_practice = forms.CharField(
        label=_("Décrivez votre pratique de l'aller vers"),
        help_text=_("Quelques lignes\u00a0: auprès de quels publics, depuis quand, comment."),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    disability_needs = forms.CharField(
        label=_("Besoins liés à un handicap (facultatif)"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    consent = forms.BooleanField(label=_("J'accepte le traitement de mes données"))
    site_internet = forms.CharField(label=_("Ne pas remplir ce champ"), required=False)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.requires_prerequisite = module_requires_prerequisite(session.module)
        if self.requires_prerequisite:
            prerequisites = session.module.prerequisite_modules.all()
            self.fields["prerequisite_basis"].required = True
            self.fields["prerequisite_basis"].choices = [
                (
                    PrerequisiteBasis.MODULE,
                    _("J'ai suivi %(modules)s")
                    % {"modules": ", ".join(str(module) for module in prerequisites)},
                ),
                (PrerequisiteBasis.PRACTICE, PrerequisiteBasis.PRACTICE.label),
            ]
        else:
            for name in PREREQUISITE_FIELDS:
                del self.fields[name]
        self._set_input_hints()
        self.fields["disability_needs"].help_text = self._disability_help(session.provider)
        self.fields["consent"].help_text = format_html(
            _(
                "Vos données servent à gérer votre inscription et votre formation\u00a0; elles "
                "sont vues par l'OPCO et l'organisme de formation. Durée de conservation et "
                "droits\u00a0: "
                '<a href="{}">notre politique de données personnelles</a>.'
            ),
            reverse("catalogue:privacy"),
        )
        self.helper = self._helper()

    def _set_input_hints(self):
        # What phones need for the right keyboard and autofill.
        hints = {
            "civility": {"autocomplete": "honorific-prefix"},
            "first_name": {"autocomplete": "given-name"},
            "last_name": {"autocomplete": "family-name"},
            "email": {"autocomplete": "email"},
            "phone": {"autocomplete": "tel"},
            "job_other": {"autocomplete": "organization-title"},
            "employer_name": {"autocomplete": "organization"},
            "siret": {"inputmode": "numeric", "autocomplete": "off"},
            "postcode": {"inputmode": "numeric", "autocomplete": "postal-code"},
            "city": {"autocomplete": "address-level2"},
            "employer_contact_email": {"autocomplete": "off"},
            HONEYPOT_FIELD: {"autocomplete": "off", "tabindex": "-1"},
        }
        for name, attrs in hints.items():
            self.fields[name].widget.attrs.update(attrs)

    @staticmethod
    def _disability_help(provider):
        # Crispy prints help texts as HTML: the provider's data is escaped here.
        contact = provider.disability_contact_name or provider.disability_contact_email
        if not contact:
            return _("Transmis à l'organisme de formation pour adapter la formation.")
        if provider.disability_contact_email:
            contact = f"{contact} ({provider.disability_contact_email})"
        return format_html(
            _(
                "Transmis au référent handicap de l'organisme de formation, {}, pour adapter "
                "la formation. Vous pouvez aussi le contacter directement."
            ),
            contact,
        )

    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        blocks = [
            Fieldset(
                _("Vous"),
                *TRAINEE_FIELDS,
            ),
            Fieldset(
                _("Votre structure employeuse"),
                *FORM_EMPLOYER_FIELDS,
            ),
            Fieldset(
                _("Votre responsable"),
                HTML(
                    format_html(
                        '<p class="form-text">{}</p>',
                        _(
                            "La personne de votre structure qui accepte que vous suiviez la "
                            "formation."
                        ),
                    )
                ),
                "employer_contact_name",
                "employer_contact_email",
            ),
        ]
        if self.requires_prerequisite:
            blocks.append(
                Fieldset(
                    _("Prérequis du module"),
                    HTML(
                        format_html(
                            '<p class="form-text">{}</p>',
                            _(
                                "Votre déclaration est vérifiée par l'OPCO ou l'organisme de "
                                "formation avant que l'inscription soit validée."
                            ),
                        )
                    ),
                    "prerequisite_basis",
                    "prerequisite_module_when",
                    "prerequisite_module_provider",
                    "prerequisite_practice",
                )
            )
        blocks += [
            Fieldset(_("Accessibilité"), "disability_needs"),
            Fieldset(_("Vos données"), "consent"),
            Div(HONEYPOT_FIELD, css_class="visually-hidden", aria_hidden="true"),
        ]
        helper.layout = Layout(*blocks)
        return helper

    def clean_siret(self):
        return normalise_siret(self.cleaned_data["siret"])

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        validate_phone(phone)
        return normalise_phone(phone)

    # Names and places: what the models' validation would store anyway, refused here next to
    # the field when nothing visible is left.
    def _clean_text(self, name):
        value = clean_text(self.cleaned_data.get(name, ""))
        validate_visible(value)
        if not value and self.fields[name].required:
            raise forms.ValidationError(self.fields[name].error_messages["required"], "required")
        return value

    def clean_first_name(self):
        return self._clean_text("first_name")

    def clean_last_name(self):
        return self._clean_text("last_name")

    def clean_job_other(self):
        return self._clean_text("job_other")

    def clean_employer_name(self):
        return self._clean_text("employer_name")

    def clean_city(self):
        return self._clean_text("city")

    def clean_employer_contact_name(self):
        return self._clean_text("employer_contact_name")

    def clean_prerequisite_module_provider(self):
        return self._clean_text("prerequisite_module_provider")

    def clean(self):
        cleaned = super().clean()
        try:
            validate_job_other(cleaned.get("job", ""), cleaned.get("job_other", ""))
        except forms.ValidationError as error:
            self.add_error(None, error)
        if self.requires_prerequisite and cleaned.get("prerequisite_basis"):
            try:
                validate_prerequisite_declaration(
                    basis=cleaned["prerequisite_basis"],
                    module_when=cleaned.get("prerequisite_module_when", ""),
                    module_provider=cleaned.get("prerequisite_module_provider", ""),
                    practice=cleaned.get("prerequisite_practice", ""),
                )
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned

    @property
    def is_spam(self):
        return bool(self.data.get(HONEYPOT_FIELD))

    def add_service_error(self, error: forms.ValidationError) -> None:
        """Show a refusal of the service next to the fields it names (the employer's "name"
        is "employer_name" here), and above the form what no field of the form asks."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        form_names = {field: name for name, field in FORM_EMPLOYER_FIELDS.items()}
        for field, errors in error.error_dict.items():
            name = form_names.get(field, field)
            self.add_error(name if name in self.fields else None, errors)

    def trainee_data(self):
        return {name: self.cleaned_data.get(name, "") for name in TRAINEE_FIELDS}

    def employer_data(self):
        return {
            field: self.cleaned_data.get(name, "") for name, field in FORM_EMPLOYER_FIELDS.items()
        }

    def enrolment_data(self):
        return {name: self.cleaned_data.get(name, "") for name in ENROLMENT_FIELDS}


class EmailRequestForm(forms.Form):
    """An e-mail address and the honeypot: the base of the forms that only ask for an
    address. Subclasses set the e-mail field's label and help text."""

    email_label = _("Votre e-mail")
    email_help_text = ""

    email = PublicEmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    site_internet = forms.CharField(
        label=_("Ne pas remplir ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = self.email_label
        self.fields["email"].help_text = self.email_help_text
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "email", Div(HONEYPOT_FIELD, css_class="visually-hidden", aria_hidden="true")
        )

    @property
    def is_spam(self):
        return bool(self.data.get(HONEYPOT_FIELD))


class LinkRequestForm(EmailRequestForm):
    email_label = _("Votre e-mail professionnel")
    email_help_text = _("L'adresse donnée lors de votre inscription.")


class ReminderForm(EmailRequestForm):
    """The "Me rappeler avant la date limite" request: an address, confirmed from a mail."""

    email_help_text = _(
        "Vous recevrez un e-mail pour confirmer votre demande\u00a0; sans confirmation, aucun "
        "rappel ne vous sera envoyé."
    )


class SatisfactionForm(forms.ModelForm):
    """The satisfaction questionnaire (évaluation à chaud). The template draws each question as
    a fieldset of radio buttons with its legend."""

    would_recommend = forms.TypedChoiceField(
        label=_("Recommanderiez-vous cette formation à un(e) collègue\u00a0?"),
        choices=[("oui", _("Oui")), ("non", _("Non"))],
        coerce=lambda value: value == "oui",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = SatisfactionResponse
        fields = [*SATISFACTION_RATINGS, "would_recommend", "comment"]
        labels = {
            "objectives": _("Les objectifs de la formation ont-ils été atteints\u00a0?"),
            "content": _("Le contenu vous a-t-il satisfait(e)\u00a0?"),
            "facilitation": _("L'animation par les intervenants vous a-t-elle satisfait(e)\u00a0?"),
            "organisation": _(
                "L'organisation (lieu, horaires, accueil) vous a-t-elle satisfait(e)\u00a0?"
            ),
            "usefulness": _("La formation sera-t-elle utile à votre pratique\u00a0?"),
            "comment": _("Un commentaire, une suggestion\u00a0? (facultatif)"),
        }
        widgets = {
            **dict.fromkeys(SATISFACTION_RATINGS, forms.RadioSelect),
            "comment": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SATISFACTION_RATINGS:
            # No empty "---------" choice among the radio buttons.
            self.fields[name].choices = RATING_CHOICES

    def answers(self):
        return dict(self.cleaned_data)

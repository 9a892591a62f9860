import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .fields import CleanCharField, PhoneField
from .geography import DEPARTMENT_CHOICES, DEPARTMENTS, REGION_CHOICES
from .text import FICHE_TEXT_MAX_LENGTH, MESSAGE_MAX_LENGTH

# [0-9], not \d: \d matches Arabic-Indic or fullwidth digits too. No SIREN is 000 000 000.
siret_validator = RegexValidator(
    r"^(?!000000000)[0-9]{14}$", _("Le SIRET compte 14 chiffres."), code="siret"
)
postcode_validator = RegexValidator(
    r"^(?!00)[0-9]{5}$", _("Le code postal compte 5 chiffres."), code="postcode"
)

# The dates staff may give a session: years 1 or 9999 broke the date arithmetic of the pages,
# the calendar and the mails.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
DATE_OUT_OF_RANGE = _("Choisissez une date entre le 1er janvier 2000 et le 31 décembre 2100.")


def session_date_in_range(value: datetime.date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def validate_session_date(value: datetime.date) -> None:
    if not session_date_in_range(value):
        raise ValidationError(DATE_OUT_OF_RANGE, code="date_range")


def fiche_text(verbose_name, **kwargs):
    """A programme text of the fiche, bounded in the forms and in the model's validation
    (Django's TextField applies max_length to forms only)."""
    return models.TextField(
        verbose_name,
        max_length=FICHE_TEXT_MAX_LENGTH,
        validators=[MaxLengthValidator(FICHE_TEXT_MAX_LENGTH)],
        **kwargs,
    )


class Module(models.Model):
    """A module of the national "aller vers" framework (Module 1, Module 2)."""

    number = models.PositiveSmallIntegerField(_("numéro"), unique=True)
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    sectors = models.CharField(_("secteurs"), max_length=200)
    audience = fiche_text(_("public"))
    duration_days = models.PositiveSmallIntegerField(_("durée en jours"))
    duration_hours = models.PositiveSmallIntegerField(_("durée en heures"))
    context = fiche_text(_("contexte"))
    objectives = fiche_text(_("objectifs"), help_text=_("Un objectif par ligne."))
    prerequisites = fiche_text(_("prérequis"))
    inter_session_work = fiche_text(_("travail inter-session"), blank=True)
    funding_note = fiche_text(_("financement"), blank=True)
    prerequisite_modules = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="required_by",
        verbose_name=_("modules prérequis"),
    )

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["number"]

    def __str__(self):
        return f"Module {self.number} – {self.title}"

    def get_absolute_url(self):
        return reverse("catalogue:module_detail", args=[self.slug])

    @property
    def objective_list(self):
        return [line.strip() for line in self.objectives.splitlines() if line.strip()]


class Sequence(models.Model):
    """One of the six sequences (competences) of the framework: 1-3 in Module 1, 4-6 in Module 2."""

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="sequences", verbose_name=_("module")
    )
    number = models.PositiveSmallIntegerField(_("numéro"), unique=True)
    title = models.CharField(_("titre"), max_length=200)
    description = fiche_text(_("description"))

    class Meta:
        verbose_name = _("séquence")
        verbose_name_plural = _("séquences")
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.title}"


class ModuleDay(models.Model):
    """The content of one day of a module's programme."""

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="days", verbose_name=_("module")
    )
    number = models.PositiveSmallIntegerField(_("jour"))
    title = models.CharField(_("titre"), max_length=300)
    content = fiche_text(_("contenu"), blank=True, help_text=_("Un point par ligne."))

    class Meta:
        verbose_name = _("journée du programme")
        verbose_name_plural = _("programme jour par jour")
        ordering = ["module", "number"]
        constraints = [
            models.UniqueConstraint(fields=["module", "number"], name="module_day_unique"),
        ]

    def __str__(self):
        return f"Jour {self.number} : {self.title}"


class Provider(models.Model):
    """A training provider (organisme de formation)."""

    name = CleanCharField(_("nom"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postcode = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[postcode_validator]
    )
    city = CleanCharField(_("ville"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[siret_validator])
    disability_contact_name = CleanCharField(_("référent handicap"), max_length=200, blank=True)
    disability_contact_email = models.EmailField(_("e-mail du référent handicap"), blank=True)
    disability_contact_phone = PhoneField(
        _("téléphone du référent handicap"), max_length=30, blank=True
    )
    # Who signs the certificats de réalisation (the ministry's model names the provider's
    # legal representative).
    legal_representative_name = CleanCharField(
        _("représentant légal"),
        max_length=200,
        blank=True,
        help_text=_("La personne qui signe les certificats de réalisation."),
    )
    legal_representative_title = models.CharField(
        _("qualité du représentant légal"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple «\u00a0Directrice régionale\u00a0»."),
    )
    opco = models.ForeignKey(
        "Opco",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="providers",
        verbose_name=_("OPCO de rattachement"),
        help_text=_("L'OPCO qui reçoit et publie les sessions que l'organisme propose."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="providers",
        verbose_name=_("membres"),
        help_text=_("Les comptes qui accèdent à l'espace de l'organisme."),
    )

    class Meta:
        verbose_name = _("organisme de formation")
        verbose_name_plural = _("organismes de formation")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalogue:provider_detail", args=[self.slug])


class Trainer(models.Model):
    """A trainer (intervenant) of a provider."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="trainers", verbose_name=_("organisme")
    )
    first_name = CleanCharField(_("prénom"), max_length=100)
    last_name = CleanCharField(_("nom"), max_length=100)
    role = models.CharField(_("fonction"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("intervenant")
        verbose_name_plural = _("intervenants")
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class Opco(models.Model):
    """An OPCO (opérateur de compétences) that funds the training."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("OPCO")
        verbose_name_plural = _("OPCO")
        ordering = ["name"]

    def __str__(self):
        return self.name


class OpcoStaff(models.Model):
    """A staff account's OPCO: in the admin, its holder sees and changes only that OPCO's
    programme. Superusers and the national administration group have none and see all."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="opco_staff",
        verbose_name=_("compte"),
    )
    opco = models.ForeignKey(
        Opco, on_delete=models.PROTECT, related_name="staff", verbose_name=_("OPCO")
    )

    class Meta:
        verbose_name = _("gestionnaire OPCO")
        verbose_name_plural = _("gestionnaires OPCO")
        ordering = ["opco", "user"]

    def __str__(self):
        return f"{self.user} ({self.opco})"


class OpcoContact(models.Model):
    """The OPCO staff member in charge of sessions (interlocuteur)."""

    opco = models.ForeignKey(
        Opco, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("OPCO")
    )
    first_name = CleanCharField(_("prénom"), max_length=100)
    last_name = CleanCharField(_("nom"), max_length=100)
    email = models.EmailField(_("e-mail"))
    phone = PhoneField(_("téléphone"), max_length=30, blank=True)
    region = models.CharField(_("région"), max_length=50, choices=REGION_CHOICES, blank=True)

    class Meta:
        verbose_name = _("interlocuteur OPCO")
        verbose_name_plural = _("interlocuteurs OPCO")
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return f"{self.full_name} ({self.opco})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class FundingPartner(models.Model):
    """A co-funding partner (DGCS...)."""

    acronym = models.CharField(_("sigle"), max_length=30, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("partenaire financeur")
        verbose_name_plural = _("partenaires financeurs")
        ordering = ["acronym"]

    def __str__(self):
        return self.acronym


class Session(models.Model):
    """One run of a module (a "groupe"): a provider, a place, dates, a deadline and seats."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Soumise")
        PUBLISHED = "published", _("Publiée")
        CANCELLED = "cancelled", _("Annulée")

    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("module")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("organisme")
    )
    label = models.CharField(
        _("groupe"), max_length=100, help_text=_("Par exemple «\u00a0Groupe 1\u00a0».")
    )
    # The provider's own identifier of the session: its spreadsheet uploads find the session
    # by it, so that a re-upload updates the session instead of adding another.
    reference = models.CharField(
        _("référence de l'organisme"),
        max_length=50,
        blank=True,
        help_text=_(
            "L'identifiant de la session chez l'organisme (colonne «\u00a0reference\u00a0»)."
        ),
    )
    city = CleanCharField(_("ville"), max_length=100)
    venue_name = models.CharField(_("lieu"), max_length=200, blank=True)
    venue_address = models.CharField(_("adresse du lieu"), max_length=300, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, validators=[postcode_validator])
    department = models.CharField(_("département"), max_length=3, choices=DEPARTMENT_CHOICES)
    region = models.CharField(_("région"), max_length=50, choices=REGION_CHOICES)
    access_notes = models.TextField(
        _("accès"),
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
        help_text=_("Transports, stationnement, accessibilité du lieu."),
    )
    registration_deadline = models.DateField(
        _("date limite d'inscription"),
        null=True,
        blank=True,
        validators=[validate_session_date],
        help_text=_("Sans date, les inscriptions ferment la veille du premier jour."),
    )
    capacity = models.PositiveSmallIntegerField(_("places"))
    min_participants = models.PositiveSmallIntegerField(_("minimum de participants"), default=0)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The OPCO whose programme the session belongs to: its staff manage it in the admin.
    opco = models.ForeignKey(
        Opco,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("OPCO"),
    )
    opco_contact = models.ForeignKey(
        OpcoContact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("interlocuteur OPCO"),
    )
    trainers = models.ManyToManyField(
        Trainer, blank=True, related_name="sessions", verbose_name=_("intervenants")
    )
    # The session's own disability contact, where it is not the provider's référent handicap.
    disability_contact_name = CleanCharField(
        _("contact handicap de la session"),
        max_length=200,
        blank=True,
        help_text=_("Laisser vide pour reprendre le référent handicap de l'organisme."),
    )
    disability_contact_email = models.EmailField(_("e-mail du contact handicap"), blank=True)
    disability_contact_phone = PhoneField(
        _("téléphone du contact handicap"), max_length=30, blank=True
    )
    partners = models.ManyToManyField(
        FundingPartner,
        blank=True,
        related_name="sessions",
        verbose_name=_("partenariat et cofinancement"),
    )
    # The provider's own fiche may word the programme differently from the module's;
    # blank fields fall back to the module's text.
    context = fiche_text(_("contexte propre à l'organisme"), blank=True)
    objectives = fiche_text(
        _("objectifs propres à l'organisme"), blank=True, help_text=_("Un objectif par ligne.")
    )
    prerequisites = fiche_text(_("prérequis propres à l'organisme"), blank=True)
    inter_session_work = fiche_text(_("travail inter-session propre à l'organisme"), blank=True)
    # Set once by session_publish: a cancelled session that had been public stays visible.
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=F("min_participants")),
                name="session_capacity_gte_minimum",
                violation_error_message=_("Le nombre de places doit couvrir le minimum."),
            ),
            models.CheckConstraint(
                condition=Q(min_participants__gte=0), name="session_minimum_gte_zero"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "published", "cancelled"]),
                name="session_status_valid",
            ),
            models.UniqueConstraint(
                fields=["provider", "reference"],
                condition=~Q(reference=""),
                name="session_reference_unique_per_provider",
                violation_error_message=_("L'organisme a déjà une session de cette référence."),
            ),
        ]
        indexes = [models.Index(fields=["status", "region"])]

    def __str__(self):
        return f"{self.module} – {self.label}, {self.city}"

    def get_absolute_url(self):
        return reverse("catalogue:session_detail", args=[self.pk])

    def clean(self):
        # Only a known department is checked against the region: the field's choices refuse
        # the others (full_clean calls clean() whatever the fields' errors).
        department = DEPARTMENTS.get(self.department)
        if department and self.region and department[1] != self.region:
            raise ValidationError({"region": _("Ce département n'est pas dans la région choisie.")})

    # Derived values. `days` is prefetched by the selectors, so these cost no query there.
    @property
    def sorted_days(self):
        return sorted(self.days.all(), key=lambda day: day.date)

    @property
    def first_day(self):
        days = self.sorted_days
        return days[0].date if days else None

    @property
    def last_day(self):
        days = self.sorted_days
        return days[-1].date if days else None

    @property
    def total_hours(self):
        return sum((day.hours for day in self.days.all()), Decimal(0))

    @property
    def registration_closes_on(self):
        """The last day on which one can enrol."""
        if self.registration_deadline:
            return self.registration_deadline
        first_day = self.first_day
        return first_day - datetime.timedelta(days=1) if first_day else None

    # The fiche shows the provider's wording where it has one, else the module's.
    @property
    def fiche_context(self):
        return self.context or self.module.context

    @property
    def fiche_objectives(self):
        text = self.objectives or self.module.objectives
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def fiche_prerequisites(self):
        return self.prerequisites or self.module.prerequisites

    @property
    def fiche_inter_session_work(self):
        return self.inter_session_work or self.module.inter_session_work

    @property
    def disability_contact(self) -> dict | None:
        """Whom a trainee with a disability contacts: the session's own contact where it has
        one ("own" true), else its provider's référent handicap; None when neither is given.
        Reads the provider."""
        provider = self.provider
        candidates = (
            (
                True,
                self.disability_contact_name,
                self.disability_contact_email,
                self.disability_contact_phone,
            ),
            (
                False,
                provider.disability_contact_name,
                provider.disability_contact_email,
                provider.disability_contact_phone,
            ),
        )
        for own, name, email, phone in candidates:
            if name or email or phone:
                return {"own": own, "name": name, "email": email, "phone": phone}
        return None


class SessionDay(models.Model):
    """One day of a session, in half-days (attendance is signed per half-day)."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="days", verbose_name=_("session")
    )
    date = models.DateField(_("date"), validators=[validate_session_date])
    morning_start = models.TimeField(_("début du matin"), null=True, blank=True)
    morning_end = models.TimeField(_("fin du matin"), null=True, blank=True)
    afternoon_start = models.TimeField(_("début de l'après-midi"), null=True, blank=True)
    afternoon_end = models.TimeField(_("fin de l'après-midi"), null=True, blank=True)
    title = models.CharField(
        _("thème de la journée"),
        max_length=300,
        blank=True,
        help_text=_("Laisser vide pour reprendre le programme du module."),
    )
    content = fiche_text(_("contenu de la journée"), blank=True)

    class Meta:
        verbose_name = _("journée")
        verbose_name_plural = _("journées")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["session", "date"], name="session_day_unique_date"),
            models.CheckConstraint(
                condition=Q(morning_start__isnull=True, morning_end__isnull=True)
                | Q(
                    morning_start__isnull=False,
                    morning_end__isnull=False,
                    morning_start__lt=F("morning_end"),
                ),
                name="session_day_morning_ordered",
                violation_error_message=_("Le matin doit commencer avant de finir."),
            ),
            models.CheckConstraint(
                condition=Q(afternoon_start__isnull=True, afternoon_end__isnull=True)
                | Q(
                    afternoon_start__isnull=False,
                    afternoon_end__isnull=False,
                    afternoon_start__lt=F("afternoon_end"),
                ),
                name="session_day_afternoon_ordered",
                violation_error_message=_("L'après-midi doit commencer avant de finir."),
            ),
            models.CheckConstraint(
                condition=Q(morning_end__isnull=True)
                | Q(afternoon_start__isnull=True)
                | Q(morning_end__lte=F("afternoon_start")),
                name="session_day_morning_before_afternoon",
                violation_error_message=_("Le matin doit finir avant l'après-midi."),
            ),
            models.CheckConstraint(
                condition=Q(morning_start__isnull=False) | Q(afternoon_start__isnull=False),
                name="session_day_has_a_half_day",
                violation_error_message=_("Une journée a au moins une demi-journée."),
            ),
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y}"

    @property
    def half_days(self):
        """(start, end) pairs of the half-days that take place."""
        pairs = [(self.morning_start, self.morning_end), (self.afternoon_start, self.afternoon_end)]
        return [(start, end) for start, end in pairs if start and end]

    @property
    def starts_at(self):
        return self.half_days[0][0]

    @property
    def ends_at(self):
        return self.half_days[-1][1]

    @property
    def hours(self):
        minutes = sum(
            (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            for start, end in self.half_days
        )
        return Decimal(minutes) / 60

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from catalogue.models import Opco, Session, siret_validator


class Job(models.TextChoices):
    ASS = "ass", _("Assistant(e) de service social")
    CESF = "cesf", _("Conseiller(ère) en économie sociale familiale")
    ES = "es", _("Éducateur(rice) spécialisé(e)")
    ME = "me", _("Moniteur(rice)-éducateur(rice)")
    EJE = "eje", _("Éducateur(rice) de jeunes enfants")
    TISF = "tisf", _("Technicien(ne) de l'intervention sociale et familiale")
    NURSE = "infirmier", _("Infirmier(ère)")
    MANAGER = "encadrant", _("Encadrant(e)")
    OTHER = "autre", _("Autre")


class DiplomaLevel(models.TextChoices):
    LEVEL_3 = "3", _("Niveau 3 (CAP, BEP)")
    LEVEL_4 = "4", _("Niveau 4 (baccalauréat)")
    LEVEL_5 = "5", _("Niveau 5 (bac + 2)")
    LEVEL_6 = "6", _("Niveau 6 (bac + 3 ou 4, diplôme d'État de travail social)")
    LEVEL_7 = "7", _("Niveau 7 (bac + 5)")
    LEVEL_8 = "8", _("Niveau 8 (doctorat)")
    NONE = "none", _("Sans diplôme")


class Employer(models.Model):
    """The trainee's employer (structure employeuse)."""

    name = models.CharField(_("structure"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[siret_validator])
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("ville"), max_length=100)
    opco = models.ForeignKey(
        Opco, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("OPCO")
    )
    opco_member_number = models.CharField(_("numéro d'adhérent OPCO"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("structure employeuse")
        verbose_name_plural = _("structures employeuses")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.city})"


class Trainee(models.Model):
    """A social worker who enrols (stagiaire). Trainees have no account."""

    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("e-mail professionnel"))
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    job = models.CharField(_("métier"), max_length=20, choices=Job.choices)
    job_other = models.CharField(_("autre métier"), max_length=100, blank=True)
    diploma_level = models.CharField(
        _("niveau de diplôme"), max_length=4, choices=DiplomaLevel.choices
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainees",
        verbose_name=_("structure employeuse"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("stagiaire")
        verbose_name_plural = _("stagiaires")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="trainee_email_unique_ci"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class EnrolmentQuerySet(models.QuerySet):
    def holding_seat(self):
        return self.filter(status__in=Enrolment.SEAT_HOLDING)

    def active(self):
        return self.exclude(status__in=Enrolment.INACTIVE)


class Enrolment(models.Model):
    """A trainee's enrolment in a session."""

    class Status(models.TextChoices):
        PENDING = "pending", _("À valider")
        CONFIRMED = "confirmed", _("Confirmée")
        WAITLISTED = "waitlisted", _("Liste d'attente")
        REFUSED = "refused", _("Refusée")
        CANCELLED = "cancelled", _("Annulée")

    SEAT_HOLDING = [Status.PENDING, Status.CONFIRMED]
    INACTIVE = [Status.REFUSED, Status.CANCELLED]

    trainee = models.ForeignKey(
        Trainee, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("stagiaire")
    )
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("session")
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("inscrit le"), auto_now_add=True)
    consent_at = models.DateTimeField(_("consentement donné le"))
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "session"],
                condition=~Q(status__in=["refused", "cancelled"]),
                name="enrolment_one_active_per_trainee_session",
                violation_error_message=_("Ce stagiaire est déjà inscrit à cette session."),
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "confirmed", "waitlisted", "refused", "cancelled"]
                ),
                name="enrolment_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self):
        return f"{self.trainee} – {self.session}"

    @property
    def holds_seat(self):
        return self.status in self.SEAT_HOLDING

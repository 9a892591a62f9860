from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.fields import CleanCharField, PhoneField
from catalogue.models import Opco, Session, SessionDay, postcode_validator, siret_validator
from catalogue.text import MESSAGE_MAX_LENGTH

from .validators import validate_job_other


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


class Civility(models.TextChoices):
    MADAME = "mme", _("Madame")
    MONSIEUR = "m", _("Monsieur")


class Employer(models.Model):
    """The trainee's employer (structure employeuse)."""

    name = CleanCharField(_("structure"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[siret_validator])
    postcode = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[postcode_validator]
    )
    city = CleanCharField(_("ville"), max_length=100)
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

    civility = models.CharField(_("civilité"), max_length=3, choices=Civility.choices, blank=True)
    first_name = CleanCharField(_("prénom"), max_length=100)
    last_name = CleanCharField(_("nom"), max_length=100)
    email = models.EmailField(_("e-mail professionnel"))
    phone = PhoneField(_("téléphone"), max_length=30, blank=True)
    job = models.CharField(_("métier"), max_length=20, choices=Job.choices)
    job_other = CleanCharField(_("autre métier"), max_length=100, blank=True)
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
    # Set by the retention job: the row stays for the statistics, without personal data.
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("stagiaire")
        verbose_name_plural = _("stagiaires")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="trainee_email_unique_ci"),
        ]

    def __str__(self):
        return self.full_name

    def clean(self):
        validate_job_other(self.job, self.job_other)

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


def outstanding_offer_q(prefix=""):
    """Waitlisted enrolments holding an offer of a freed seat that has not expired yet."""
    return Q(
        **{
            f"{prefix}status": Enrolment.Status.WAITLISTED,
            f"{prefix}offer_expires_at__gt": timezone.now(),
        }
    )


def unconfirmed_hold_q(prefix=""):
    """Enrolments whose address is not confirmed yet, within the time they hold a seat."""
    return Q(
        **{
            f"{prefix}status": Enrolment.Status.UNCONFIRMED,
            f"{prefix}held_status__in": Enrolment.SEAT_HOLDING,
            f"{prefix}hold_expires_at__gt": timezone.now(),
        }
    )


def seat_holding_q(prefix=""):
    """The seat rule: the enrolments that hold a seat are the pending and confirmed ones, the
    waitlisted ones with an outstanding offer (the seat is kept for them until the offer
    expires), and those whose address awaits confirmation, while their hold runs. `prefix`
    lets a Session query use it: seat_holding_q("enrolments__")."""
    return (
        Q(**{f"{prefix}status__in": Enrolment.SEAT_HOLDING})
        | outstanding_offer_q(prefix)
        | unconfirmed_hold_q(prefix)
    )


class EnrolmentQuerySet(models.QuerySet):
    def holding_seat(self):
        return self.filter(seat_holding_q())

    def active(self):
        return self.exclude(status__in=Enrolment.INACTIVE)

    def waitlisted(self):
        """The waiting list in its order: by `waitlisted_at`, rows without one (made by hand)
        last. selectors.waitlist_position_expression ranks rows in this same order."""
        return self.filter(status=Enrolment.Status.WAITLISTED).order_by(
            F("waitlisted_at").asc(nulls_last=True), "pk"
        )


class PrerequisiteBasis(models.TextChoices):
    MODULE = "module", _("J'ai suivi le module prérequis")
    PRACTICE = "practice", _("J'ai déjà une pratique de l'aller vers")


class Enrolment(models.Model):
    """A trainee's enrolment in a session. Status changes go through enrolment.services."""

    class Status(models.TextChoices):
        # Submitted from the form; counts once its address is confirmed from the mailed link.
        UNCONFIRMED = "unconfirmed", _("Adresse à confirmer")
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
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(_("inscrit le"), auto_now_add=True)
    consent_at = models.DateTimeField(_("consentement donné le"))
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("statut modifié le"), null=True, blank=True)

    # The employer at the time of the enrolment, and the person there who agrees to it.
    employer = models.ForeignKey(
        Employer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("structure employeuse"),
    )
    employer_contact_name = CleanCharField(
        _("responsable qui donne son accord"), max_length=200, blank=True
    )
    employer_contact_email = models.EmailField(_("e-mail du responsable"), blank=True)
    disability_needs = models.TextField(
        _("besoins liés à un handicap"),
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
        help_text=_("Transmis au référent handicap de l'organisme de formation."),
    )

    # The declaration for a module with a prerequisite (Module 2 requires Module 1).
    prerequisite_basis = models.CharField(
        _("prérequis déclaré"), max_length=10, choices=PrerequisiteBasis.choices, blank=True
    )
    prerequisite_module_when = models.CharField(
        _("module prérequis suivi quand"), max_length=100, blank=True
    )
    prerequisite_module_provider = CleanCharField(
        _("module prérequis suivi auprès de"), max_length=200, blank=True
    )
    prerequisite_practice = models.TextField(
        _("pratique de l'aller vers"),
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
    )

    # Validation or refusal by OPCO staff or the provider.
    decided_at = models.DateTimeField(_("validée ou refusée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validée ou refusée par"),
    )
    refusal_reason = models.TextField(
        _("motif du refus"),
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
    )

    # Waiting list: the queue is ordered by waitlisted_at; a lapsed offer sends one to the back.
    waitlisted_at = models.DateTimeField(_("en liste d'attente depuis"), null=True, blank=True)
    offered_at = models.DateTimeField(_("place proposée le"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offre valable jusqu'au"), null=True, blank=True)

    # Before the address is confirmed: what the enrolment becomes once it is (confirmed,
    # pending or waitlisted, decided by the seat rules at submission), until when it holds its
    # seat or waiting-list place, and the identity typed on the form, which only the address's
    # owner may write onto the trainee.
    held_status = models.CharField(_("statut à la confirmation"), max_length=12, blank=True)
    hold_expires_at = models.DateTimeField(_("à confirmer avant le"), null=True, blank=True)
    submitted_identity = models.JSONField(_("identité saisie"), default=dict, blank=True)
    address_confirmed_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)

    # The mails about this enrolment, deleted with it; OutboxMail.objects.filter(enrolment=...).
    mails = GenericRelation("outbox.OutboxMail", related_query_name="enrolment")

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
                    status__in=[
                        "unconfirmed",
                        "pending",
                        "confirmed",
                        "waitlisted",
                        "refused",
                        "cancelled",
                    ]
                ),
                name="enrolment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(offer_expires_at__isnull=True) | Q(status="waitlisted"),
                name="enrolment_offer_only_when_waitlisted",
            ),
            models.CheckConstraint(
                condition=~Q(status="unconfirmed")
                | Q(
                    hold_expires_at__isnull=False,
                    held_status__in=["pending", "confirmed", "waitlisted"],
                ),
                name="enrolment_unconfirmed_has_a_hold",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["offer_expires_at"]),
            models.Index(fields=["hold_expires_at"]),
        ]

    def __str__(self):
        return f"{self.trainee} – {self.session}"

    # No get_absolute_url: an enrolment's page is the trainee's personal link, which must reach
    # no one else (the admin's "view on site" shortcut would hand it to any staff member).

    @property
    def has_outstanding_offer(self):
        return (
            self.status == self.Status.WAITLISTED
            and self.offer_expires_at is not None
            and self.offer_expires_at > timezone.now()
        )

    @property
    def confirmation_lapsed(self):
        """The address was never confirmed, and can no longer be: the hold ran out."""
        if self.status == self.Status.UNCONFIRMED:
            return self.hold_expires_at <= timezone.now()
        return self.address_confirmed_at is None

    @property
    def is_active(self):
        return self.status not in self.INACTIVE


class ReminderSubscription(models.Model):
    """Someone who asked to be reminded of a session's registration deadline. Double opt-in:
    no reminder leaves before the address's owner confirms from the mail."""

    email = models.EmailField(_("e-mail"))
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        related_name="reminder_subscriptions",
        verbose_name=_("session"),
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("désinscrit le"), null=True, blank=True)

    # The mails about this request, deleted with it.
    mails = GenericRelation("outbox.OutboxMail", related_query_name="subscription")

    class Meta:
        verbose_name = _("demande de rappel")
        verbose_name_plural = _("demandes de rappel")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "session",
                condition=Q(unsubscribed_at__isnull=True),
                name="reminder_one_active_per_email_session",
            ),
        ]

    def __str__(self):
        return f"{self.email} – {self.session}"

    @property
    def is_active(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Attendance(models.Model):
    """Whether a trainee was present for a half-day (the signed attendance sheet)."""

    class HalfDay(models.TextChoices):
        MORNING = "am", _("Matin")
        AFTERNOON = "pm", _("Après-midi")

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("inscription"),
    )
    day = models.ForeignKey(
        SessionDay, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("journée")
    )

    class Status(models.TextChoices):
        PRESENT = "present", _("Présent(e)")
        ABSENT = "absent", _("Absent(e)")
        EXCUSED = "excused", _("Absence excusée")

    half_day = models.CharField(_("demi-journée"), max_length=2, choices=HalfDay.choices)
    status = models.CharField(
        _("présence"), max_length=10, choices=Status.choices, default=Status.PRESENT
    )
    recorded_at = models.DateTimeField(_("saisi le"), auto_now=True)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["day__date", "half_day", "enrolment"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "day", "half_day"], name="attendance_one_per_half_day"
            ),
            models.CheckConstraint(
                condition=Q(half_day__in=["am", "pm"]), name="attendance_half_day_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["present", "absent", "excused"]),
                name="attendance_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment.trainee} – {self.day} {self.get_half_day_display()}"

    def clean(self):
        if self.enrolment_id and self.day_id and self.enrolment.session_id != self.day.session_id:
            raise ValidationError({"day": _("Cette journée n'est pas celle de la session.")})


RATING_CHOICES = [
    (1, _("1 – Pas du tout satisfait(e)")),
    (2, _("2 – Peu satisfait(e)")),
    (3, _("3 – Moyennement satisfait(e)")),
    (4, _("4 – Satisfait(e)")),
    (5, _("5 – Très satisfait(e)")),
]


# The rated questions of the questionnaire, in the order asked.
SATISFACTION_RATINGS = ("objectives", "content", "facilitation", "organisation", "usefulness")


def _rating(verbose_name):
    return models.PositiveSmallIntegerField(verbose_name, choices=RATING_CHOICES)


class SatisfactionResponse(models.Model):
    """A trainee's answer to the satisfaction questionnaire (évaluation à chaud), one per
    enrolment. Staff read them in aggregate."""

    enrolment = models.OneToOneField(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="satisfaction",
        verbose_name=_("inscription"),
    )
    objectives = _rating(_("objectifs atteints"))
    content = _rating(_("contenu"))
    facilitation = _rating(_("animation"))
    organisation = _rating(_("organisation"))
    usefulness = _rating(_("utilité pour la pratique"))
    would_recommend = models.BooleanField(_("recommanderait la formation"))
    comment = models.TextField(
        _("commentaire"),
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
    )
    created_at = models.DateTimeField(_("répondu le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réponse au questionnaire de satisfaction")
        verbose_name_plural = _("réponses au questionnaire de satisfaction")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    **{f"{name}__gte": 1 for name in SATISFACTION_RATINGS},
                    **{f"{name}__lte": 5 for name in SATISFACTION_RATINGS},
                ),
                name="satisfaction_ratings_1_to_5",
            ),
        ]

    def __str__(self):
        if self.created_at is None:
            return str(_("Réponse"))
        return _("Réponse du %(date)s") % {"date": f"{self.created_at:%d/%m/%Y}"}


class Transition(models.Model):
    """One status change of a session or an enrolment: who made it, when, from what to what,
    and why. Written by the services in the transaction of the change (enrolment.transitions),
    read on the admin pages; the audit trail OPCOs and Qualiopi ask for."""

    class ActorKind(models.TextChoices):
        STAFF = "staff", _("Gestionnaire OPCO")
        PROVIDER = "provider", _("Organisme de formation")
        TRAINEE = "trainee", _("Stagiaire (lien personnel)")
        JOB = "job", _("Tâche automatique")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("session")
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="transitions",
        verbose_name=_("inscription"),
    )
    # Empty for a creation.
    from_status = models.CharField(_("statut précédent"), max_length=20, blank=True)
    to_status = models.CharField(_("nouveau statut"), max_length=20)
    actor_kind = models.CharField(_("par"), max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
    )
    # The job's name, for a change made by a periodic job.
    actor_label = models.CharField(_("tâche"), max_length=100, blank=True)
    reason = models.TextField(
        _("motif"),
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
    )
    at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("historique des statuts")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["session", "at"]),
            models.Index(fields=["enrolment", "at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_kind__in=["staff", "provider", "trainee", "job"]),
                name="transition_actor_kind_valid",
            ),
        ]

    def __str__(self):
        # "création → Confirmée": the statuses in words (an enrolment's or a session's), as
        # the admin's history tables write them.
        labels = dict((Enrolment.Status if self.enrolment_id else Session.Status).choices)
        before = labels.get(self.from_status, self.from_status) if self.from_status else None
        after = labels.get(self.to_status, self.to_status)
        return f"{before or _('création')} → {after}"


class SessionChangeRequest(models.Model):
    """A provider's change to the dates, place or seats of a published session, waiting for
    the OPCO's approval; until then the public page and the trainees keep the published
    values. At most one is pending per session: a newer proposal replaces it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de validation")
        APPROVED = "approved", _("Approuvée")
        REJECTED = "rejected", _("Refusée")
        REPLACED = "replaced", _("Remplacée par une proposition plus récente")

    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        related_name="change_requests",
        verbose_name=_("session"),
    )
    # The proposed values, as session_services serialises them: session fields by name (a
    # foreign key by its id), and the days as lists of their fields (dates and times in ISO).
    fields = models.JSONField(_("champs proposés"), default=dict, encoder=DjangoJSONEncoder)
    days = models.JSONField(_("journées proposées"), default=list, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposée par"),
    )
    requested_at = models.DateTimeField(_("proposée le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    reason = models.TextField(
        _("motif"),
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
    )

    class Meta:
        verbose_name = _("modification proposée")
        verbose_name_plural = _("modifications proposées")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(status="pending"),
                name="session_change_request_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "replaced"]),
                name="session_change_request_status_valid",
            ),
        ]

    def __str__(self):
        return _("Modification proposée le %(date)s") % {
            "date": f"{timezone.localtime(self.requested_at):%d/%m/%Y}"
        }


class StaffMessage(models.Model):
    """What staff sent by hand to a session's trainees from the admin: a message ("Écrire aux
    stagiaires"), the convocations sent ahead of the job, or one convocation sent again. The
    session's admin page lists them (who, when, what, to how many). The mails themselves are
    outbox rows (about each enrolment, this row's id in their note)."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message aux stagiaires")
        CONVOCATIONS = "convocations", _("Convocations envoyées")
        CONVOCATION_RESEND = "convocation_resend", _("Convocation renvoyée")

    SUBJECT_MAX_LENGTH = 150

    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        related_name="staff_messages",
        verbose_name=_("session"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    # The trainee a convocation was sent again to.
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscription"),
    )
    # One line: a line break in a mail's subject would be a header injection.
    subject = CleanCharField(_("objet"), max_length=SUBJECT_MAX_LENGTH, blank=True)
    body = models.TextField(
        _("message"),
        blank=True,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
    )
    include_waitlisted = models.BooleanField(_("liste d'attente incluse"), default=False)
    recipient_count = models.PositiveIntegerField(_("destinataires"), default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("envoyé par"),
    )
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    # The form's one-time token: the same form posted twice (a double click, a reload) sends
    # once.
    token = models.CharField(_("jeton du formulaire"), max_length=32, unique=True, editable=False)

    class Meta:
        verbose_name = _("envoi aux stagiaires")
        verbose_name_plural = _("envois aux stagiaires")
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["session", "sent_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["message", "convocations", "convocation_resend"]),
                name="staff_message_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.sent_at:%d/%m/%Y %H:%M})"

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import kind_label


class OutboxMail(models.Model):
    """A mail to send, written in the transaction of the change that causes it and sent by a
    Celery task after commit. The body is rendered when sending, from the kind and the row the
    mail is about."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En file")
        SENDING = "sending", _("En cours d'envoi")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")
        # The change that caused the mail was undone before it left (an offer already taken).
        SKIPPED = "skipped", _("Sans objet")

    # A kind registered by the domain that queues it (registry.builds), which also gives its
    # label: no choices here, the outbox knows no domain.
    kind = models.CharField(_("type"), max_length=50)
    recipient = models.EmailField(_("destinataire"))
    subject = models.CharField(_("objet"), max_length=250, blank=True)
    # The row the mail is about (an enrolment, a reminder request, a session...), which the
    # kind's builder reads when the mail leaves. Generic, so that the outbox points to no app
    # above it; those apps declare a GenericRelation, which deletes a row's mails with it.
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("à propos de (type)"),
    )
    object_id = models.PositiveBigIntegerField(_("à propos de (id)"), null=True, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    # What the mail adds to the row it reads, e.g. the reason of a session's cancellation.
    note = models.TextField(_("message ajouté"), blank=True)
    # Set by the periodic jobs: one row per piece of work ("convocation:<enrolment id>"), so a
    # job that runs twice, or two beats at once, queue each mail once.
    dedup_key = models.CharField(
        _("clé d'unicité"), max_length=100, null=True, blank=True, unique=True, editable=False
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails (file d'envoi)")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed", "skipped"]),
                name="outbox_mail_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="outbox_mail_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"

    def get_kind_display(self) -> str:
        return kind_label(self.kind)

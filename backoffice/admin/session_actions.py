"""The session list's actions (duplicate as a draft, export the enrolments or the sessions) and
the session page's mails to trainees: the convocation's preview, sending the convocations now,
a convocation again to one trainee, "Écrire aux stagiaires"; and what was sent, in the
session's history. Every session is looked up through the admin's queryset (another OPCO's
answers 404); the services decide (enrolment.session_services, enrolment.staff_mails)."""

import re

from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from catalogue.models import Session
from catalogue.text import MESSAGE_MAX_LENGTH, clean_text, validate_visible
from enrolment.exports import sessions_enrolments_response, sessions_response
from enrolment.mails import (
    MailKind,
    convocation_dedup_key,
    convocation_draft,
    convocation_due,
)
from enrolment.models import Enrolment, StaffMessage, Trainee
from enrolment.selectors import enrolment_for_page, session_for_enrolment, session_has_started
from enrolment.services import EnrolmentError
from enrolment.session_services import DAY_FIELDS, SESSION_FIELDS, session_create
from enrolment.staff_mails import (
    convocation_resend,
    convocations_send_now,
    staff_form_token,
    staff_message_recipients,
    staff_message_send,
)
from enrolment.transitions import Actor
from outbox.models import OutboxMail
from outbox.registry import draft_message

from ..scoping import OpcoScopedAdminMixin
from .objects import object_change_url, scoped_object
from .readonly import ReadOnlyAdminMixin

COPY_SUFFIX = gettext_lazy(" (copie)")
# An id as a query or form value: ASCII digits that fit a bigint.
ID_RE = re.compile(r"[0-9]{1,18}")


def session_copy_values(session: Session) -> dict:
    """What `session_create` takes to make a draft copy of a session: its fields (but its
    provider's reference, unique to the original), its days, trainers and partners."""
    fields = {name: getattr(session, name) for name in SESSION_FIELDS}
    fields["reference"] = ""
    suffix = str(COPY_SUFFIX)
    max_length = Session._meta.get_field("label").max_length
    fields["label"] = session.label[: max_length - len(suffix)] + suffix
    return {
        "fields": fields,
        "days": [{name: getattr(day, name) for name in DAY_FIELDS} for day in session.sorted_days],
        "trainer_ids": [trainer.pk for trainer in session.trainers.all()],
        "partner_ids": [partner.pk for partner in session.partners.all()],
    }


class StaffMessageForm(forms.Form):
    subject = forms.CharField(
        label=gettext_lazy("Objet"), max_length=StaffMessage.SUBJECT_MAX_LENGTH
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 70}),
        help_text=gettext_lazy(
            "Texte brut\u00a0: il est envoyé tel quel, avec la présentation de la session et le "
            "lien personnel de chaque stagiaire."
        ),
    )
    include_waitlisted = forms.BooleanField(
        label=gettext_lazy("Écrire aussi aux personnes en liste d'attente"), required=False
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def clean_subject(self):
        # One line, single spaces: a mail's subject.
        subject = " ".join(clean_text(self.cleaned_data["subject"]).split())
        validate_visible(subject)
        if not subject:
            raise ValidationError(_("Saisissez l'objet du message."))
        return subject

    def clean_body(self):
        body = self.cleaned_data["body"]
        validate_visible(body.strip())
        return body


class SessionActionsMixin:
    """List actions (`SESSION_LIST_ACTIONS`, to add to the admin's `actions`), the pages
    `<object_id>/convocation/` (preview, GET; send to all, POST),
    `<object_id>/convocation/apercu.html` (the HTML mail), `<object_id>/convocation/renvoyer/`
    (POST) and `<object_id>/ecrire/` (form, GET and POST), and the "Envois aux stagiaires"
    section of the session's page."""

    SESSION_LIST_ACTIONS = (
        "duplicate_sessions",
        "export_enrolments_xlsx",
        "export_enrolments_csv",
        "export_sessions_xlsx",
        "export_sessions_csv",
    )

    # List actions.

    @admin.action(
        description=gettext_lazy("Dupliquer les sessions sélectionnées (en brouillon)"),
        permissions=["add"],
    )
    def duplicate_sessions(self, request, queryset):
        copies = []
        sessions = queryset.prefetch_related("days", "trainers", "partners").order_by("pk")
        for session in sessions:
            try:
                copy = session_create(**session_copy_values(session), by=Actor.staff(request.user))
            except ValidationError as error:
                self.message_user(
                    request, f"{session}\u00a0: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                self.log_addition(request, copy, _("Copie de %(session)s") % {"session": session})
                copies.append(copy)
        if not copies:
            return None
        self.message_user(
            request,
            ngettext(
                "%(count)d session dupliquée en brouillon\u00a0: vérifiez ses dates avant de la "
                "publier.",
                "%(count)d sessions dupliquées en brouillon\u00a0: vérifiez leurs dates avant "
                "de les publier.",
                len(copies),
            )
            % {"count": len(copies)},
            messages.SUCCESS,
        )
        if len(copies) == 1:
            return redirect(self._session_url(copies[0]))
        return None

    @admin.action(
        description=gettext_lazy("Exporter les inscriptions des sessions sélectionnées (XLSX)"),
        permissions=["view"],
    )
    def export_enrolments_xlsx(self, request, queryset):
        return sessions_enrolments_response(queryset, file_format="xlsx")

    @admin.action(
        description=gettext_lazy("Exporter les inscriptions des sessions sélectionnées (CSV)"),
        permissions=["view"],
    )
    def export_enrolments_csv(self, request, queryset):
        return sessions_enrolments_response(queryset, file_format="csv")

    @admin.action(
        description=gettext_lazy("Exporter les sessions sélectionnées et leur remplissage (XLSX)"),
        permissions=["view"],
    )
    def export_sessions_xlsx(self, request, queryset):
        return sessions_response(queryset, file_format="xlsx")

    @admin.action(
        description=gettext_lazy("Exporter les sessions sélectionnées et leur remplissage (CSV)"),
        permissions=["view"],
    )
    def export_sessions_csv(self, request, queryset):
        return sessions_response(queryset, file_format="csv")

    # The session page's history of what was sent.

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "staff_messages")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append((_("Envois aux stagiaires"), {"fields": ("staff_messages",)}))
        return fieldsets

    @admin.display(description=gettext_lazy("envois"))
    def staff_messages(self, obj):
        sent = (
            StaffMessage.objects.filter(session=obj.pk)
            .select_related("sent_by", "enrolment__trainee")
            .order_by("sent_at", "pk")
            if obj is not None and obj.pk
            else []
        )
        return render_to_string("admin/catalogue/session/staff_messages.html", {"sent": sent})

    # Pages.

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "<path:object_id>/convocation/",
                self.admin_site.admin_view(self.convocation_view),
                name="{}_{}_convocation".format(*info),
            ),
            path(
                "<path:object_id>/convocation/apercu.html",
                self.admin_site.admin_view(self.convocation_html_view),
                name="{}_{}_convocation_html".format(*info),
            ),
            path(
                "<path:object_id>/convocation/renvoyer/",
                self.admin_site.admin_view(self.convocation_resend_view),
                name="{}_{}_convocation_resend".format(*info),
            ),
            path(
                "<path:object_id>/ecrire/",
                self.admin_site.admin_view(self.staff_message_view),
                name="{}_{}_staff_message".format(*info),
            ),
        ]
        return urls + super().get_urls()

    def _session_url(self, session):
        return object_change_url(self, session)

    def _own_session(self, request, object_id, *, change: bool):
        """The session through the admin's queryset (another OPCO's is absent: 404), and the
        right to act on it."""
        return scoped_object(self, request, object_id, change=change)

    def _preview(self, session, enrolment_id):
        """The convocation as the chosen confirmed trainee (else the first by name) would get
        it, or as a sample trainee would when none is confirmed; and the trainee."""
        confirmed = session.enrolments.filter(status=Enrolment.Status.CONFIRMED)
        chosen = None
        if enrolment_id and ID_RE.fullmatch(enrolment_id):
            chosen = confirmed.filter(pk=int(enrolment_id)).values_list("pk", flat=True).first()
        if chosen is None:
            chosen = (
                confirmed.order_by("trainee__last_name", "trainee__first_name", "pk")
                .values_list("pk", flat=True)
                .first()
            )
        if chosen is not None:
            enrolment = enrolment_for_page(pk=chosen)
        else:
            enrolment = Enrolment(
                session=session_for_enrolment(pk=session.pk),
                status=Enrolment.Status.CONFIRMED,
                trainee=Trainee(
                    first_name=_("Camille"),
                    last_name=_("Exemple"),
                    email="camille.exemple@example.org",
                ),
            )
        message = draft_message(
            convocation_draft(enrolment),
            kind=MailKind.CONVOCATION,
            recipient=enrolment.trainee.email,
        )
        return message, enrolment

    def convocation_view(self, request, object_id):
        session = self._own_session(request, object_id, change=request.method == "POST")
        if request.method == "POST":
            return self._convocations_send(request, session)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        message, enrolment = self._preview(session, request.GET.get("inscription"))
        confirmed = list(
            session.enrolments.filter(status=Enrolment.Status.CONFIRMED)
            .select_related("trainee")
            .order_by("trainee__last_name", "trainee__first_name", "pk")
        )
        # One query: each trainee's convocation as the job or "send now" queued it.
        keys = {convocation_dedup_key(item.pk): item for item in confirmed}
        for mail in OutboxMail.objects.filter(dedup_key__in=keys):
            keys[mail.dedup_key].convocation_mail = mail
        for item in confirmed:
            # A token per form: each trainee's resend is a reason of its own.
            item.resend_token = staff_form_token()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Convocation – %(session)s") % {"session": session},
            "opts": self.opts,
            "original": session,
            "change_url": self._session_url(session),
            "message": message,
            "html_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_convocation_html",
                args=[quote(session.pk)],
                current_app=self.admin_site.name,
            )
            + (f"?inscription={enrolment.pk}" if enrolment.pk else ""),
            "attachments": [attachment[0] for attachment in message.attachments],
            "enrolment": enrolment,
            "sample": enrolment.pk is None,
            "confirmed": confirmed,
            "due": enrolment.pk is not None and convocation_due(enrolment),
            "can_send": self.has_change_permission(request, session)
            and session.status == Session.Status.PUBLISHED
            and not session_has_started(session),
            "token": staff_form_token(),
        }
        return TemplateResponse(request, "admin/catalogue/session/convocation.html", context)

    @csp_update({"style-src": ["'unsafe-inline'"]})
    def convocation_html_view(self, request, object_id):
        """The HTML mail alone, as a mail client shows it: the mail's own inline styles are
        allowed on this response only (it holds no script, and every value is escaped)."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        session = self._own_session(request, object_id, change=False)
        message, _enrolment = self._preview(session, request.GET.get("inscription"))
        html = next(
            content for content, mimetype in message.alternatives if mimetype == "text/html"
        )
        response = HttpResponse(html)
        response["Cache-Control"] = "no-store, private"
        return response

    def _convocations_send(self, request, session):
        try:
            sent = convocations_send_now(
                session_id=session.pk,
                token=request.POST.get("token", ""),
                by=Actor.staff(request.user),
            )
        except EnrolmentError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect(request.path)
        if sent is None:
            self.message_user(
                request, _("Ces convocations étaient déjà envoyées."), messages.WARNING
            )
        elif not sent.queued:
            self.message_user(
                request,
                _("Aucune convocation envoyée\u00a0: chaque stagiaire confirmé l'a déjà reçue.")
                if sent.already
                else _(
                    "Aucune convocation envoyée\u00a0: la session n'a aucun stagiaire confirmé."
                ),
                messages.WARNING,
            )
        else:
            self.log_change(
                request,
                session,
                ngettext(
                    "Convocations envoyées maintenant à %(count)d stagiaire.",
                    "Convocations envoyées maintenant à %(count)d stagiaires.",
                    sent.queued,
                )
                % {"count": sent.queued},
            )
            text = ngettext(
                "%(count)d convocation envoyée.", "%(count)d convocations envoyées.", sent.queued
            ) % {"count": sent.queued}
            if sent.already:
                text += " " + ngettext(
                    "%(count)d stagiaire l'avait déjà reçue\u00a0: elle ne repart pas.",
                    "%(count)d stagiaires l'avaient déjà reçue\u00a0: elle ne repart pas.",
                    sent.already,
                ) % {"count": sent.already}
            self.message_user(request, text, messages.SUCCESS)
        return redirect(self._session_url(session))

    def convocation_resend_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        session = self._own_session(request, object_id, change=True)
        enrolment_id = request.POST.get("inscription", "")
        if not ID_RE.fullmatch(enrolment_id):
            raise Http404
        enrolment = (
            session.enrolments.select_related("trainee").filter(pk=int(enrolment_id)).first()
        )
        if enrolment is None:
            raise Http404
        back = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_convocation",
            args=[quote(session.pk)],
            current_app=self.admin_site.name,
        )
        try:
            record = convocation_resend(
                enrolment_id=enrolment.pk,
                token=request.POST.get("token", ""),
                by=Actor.staff(request.user),
            )
        except EnrolmentError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect(back)
        if record is None:
            self.message_user(
                request, _("Cette convocation était déjà renvoyée."), messages.WARNING
            )
        else:
            self.log_change(
                request,
                session,
                _("Convocation renvoyée à %(trainee)s.") % {"trainee": enrolment.trainee.full_name},
            )
            self.message_user(
                request,
                _("La convocation est renvoyée à %(trainee)s.")
                % {"trainee": enrolment.trainee.full_name},
                messages.SUCCESS,
            )
        return redirect(back)

    def staff_message_view(self, request, object_id):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        session = self._own_session(request, object_id, change=True)
        form = StaffMessageForm(
            request.POST if request.method == "POST" else None,
            initial={"token": staff_form_token()},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                record = staff_message_send(
                    session_id=session.pk,
                    subject=data["subject"],
                    body=data["body"],
                    include_waitlisted=data["include_waitlisted"],
                    token=data["token"],
                    by=Actor.staff(request.user),
                )
            except EnrolmentError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                if record is None:
                    self.message_user(request, _("Ce message était déjà envoyé."), messages.WARNING)
                else:
                    self.log_change(
                        request,
                        session,
                        ngettext(
                            "Message «\u00a0%(subject)s\u00a0» envoyé à %(count)d stagiaire.",
                            "Message «\u00a0%(subject)s\u00a0» envoyé à %(count)d stagiaires.",
                            record.recipient_count,
                        )
                        % {"subject": record.subject, "count": record.recipient_count},
                    )
                    self.message_user(
                        request,
                        ngettext(
                            "Message envoyé à %(count)d stagiaire.",
                            "Message envoyé à %(count)d stagiaires.",
                            record.recipient_count,
                        )
                        % {"count": record.recipient_count},
                        messages.SUCCESS,
                    )
                return redirect(self._session_url(session))
        counts = {
            "confirmed": staff_message_recipients(session, include_waitlisted=False).count(),
            "waitlisted": session.enrolments.filter(status=Enrolment.Status.WAITLISTED).count(),
        }
        context = {
            **self.admin_site.each_context(request),
            "title": _("Écrire aux stagiaires – %(session)s") % {"session": session},
            "opts": self.opts,
            "original": session,
            "change_url": self._session_url(session),
            "form": form,
            "counts": counts,
        }
        return TemplateResponse(request, "admin/catalogue/session/staff_message.html", context)


@admin.register(StaffMessage)
class StaffMessageAdmin(ReadOnlyAdminMixin, OpcoScopedAdminMixin, admin.ModelAdmin):
    """Every send to trainees made from the session pages, newest first. Read-only: the
    services write the rows."""

    session_path = "session__"
    list_display = ("sent_at", "session", "kind", "subject", "recipient_count", "sent_by")
    list_filter = ("kind",)
    list_select_related = ("session__module", "sent_by")
    search_fields = ("subject", "session__city", "session__label")
    ordering = ("-sent_at", "-pk")
    fields = (
        "sent_at",
        "session",
        "kind",
        "enrolment",
        "subject",
        "body",
        "include_waitlisted",
        "recipient_count",
        "sent_by",
    )
    readonly_fields = fields

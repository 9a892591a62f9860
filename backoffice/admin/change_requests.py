"""The providers' proposed changes to published sessions: OPCO staff read what each one
changes (old -> new) and approve or reject it, on its own page or on its session's page. The
decision is the lifecycle service's (session_change_approve, session_change_reject)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.text import MESSAGE_MAX_LENGTH
from enrolment.models import SessionChangeRequest
from enrolment.services import EnrolmentError
from enrolment.session_services import (
    change_request_changes,
    pending_change_request,
    session_change_approve,
    session_change_reject,
)
from enrolment.transitions import Actor

from ..scoping import OpcoScopedAdminMixin
from .readonly import ReadOnlyAdminMixin

DECIDE_PERMISSION = "enrolment.change_sessionchangerequest"


class ChangeRequestRejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif, repris dans l'e-mail à l'organisme (facultatif)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


def _changes_html(request_obj) -> str:
    return render_to_string(
        "admin/enrolment/sessionchangerequest/_changes.html",
        {"changes": change_request_changes(request_obj)},
    )


@admin.register(SessionChangeRequest)
class SessionChangeRequestAdmin(ReadOnlyAdminMixin, OpcoScopedAdminMixin, admin.ModelAdmin):
    session_path = "session__"
    list_display = ("session", "status", "requested_by", "requested_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("session__module", "requested_by")
    search_fields = ("session__city", "session__label", "session__reference")
    readonly_fields = (
        "session",
        "status",
        "changes",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "reason",
    )
    fields = readonly_fields
    change_form_template = "admin/enrolment/sessionchangerequest/change_form.html"
    # Nothing here is edited by hand: the buttons decide, through the services.
    deletable = True

    @admin.display(description=gettext_lazy("ce qui change"))
    def changes(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return _changes_html(obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/approuver/",
                self.admin_site.admin_view(self.approve_view),
                name="{}_{}_approve".format(*info),
            ),
            path(
                "<path:object_id>/refuser/",
                self.admin_site.admin_view(self.reject_view),
                name="{}_{}_reject".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_decide": request.user.has_perm(DECIDE_PERMISSION),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _decided_object(self, request, object_id):
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        return self.get_object(request, unquote(object_id))

    def _back(self, obj):
        # To the session's page, where the new values show.
        return redirect(
            reverse(
                "admin:catalogue_session_change",
                args=[quote(obj.session_id)],
                current_app=self.admin_site.name,
            )
        )

    def approve_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._decided_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        try:
            session_change_approve(request_id=obj.pk, by=Actor.staff(request.user))
        except EnrolmentError as error:
            self.message_user(request, error.message, messages.ERROR)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _(
                    "La modification est appliquée\u00a0; les stagiaires sont prévenus si les "
                    "dates, les horaires ou le lieu ont changé."
                ),
                messages.SUCCESS,
            )
        return self._back(obj)

    def reject_view(self, request, object_id):
        obj = self._decided_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = ChangeRequestRejectForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                session_change_reject(
                    request_id=obj.pk,
                    reason=form.cleaned_data["reason"],
                    by=Actor.staff(request.user),
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("La modification est refusée\u00a0; l'organisme en est informé par e-mail."),
                    messages.SUCCESS,
                )
            return self._back(obj)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refuser la modification proposée"),
            "opts": self.opts,
            "original": obj,
            "changes": change_request_changes(obj),
            "form": form,
        }
        return TemplateResponse(
            request, "admin/enrolment/sessionchangerequest/reject.html", context
        )


class PendingChangeRequestMixin:
    """On a session's admin page: its provider's pending proposal, what it changes, and the
    buttons that approve or reject it."""

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "pending_change")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and pending_change_request(obj) is not None:
            title = gettext_lazy("Modification proposée par l'organisme, en attente")
            fieldsets.insert(0, (title, {"fields": ("pending_change",)}))
        return fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The page's object tools carry the approve and reject buttons: outside the session's
        # form, so that Enter in one of its fields never approves anything.
        context["pending_change_request"] = (
            pending_change_request(obj) if obj is not None and obj.pk else None
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=gettext_lazy("proposition"))
    def pending_change(self, obj):
        request_obj = pending_change_request(obj) if obj is not None and obj.pk else None
        if request_obj is None:
            return "—"
        return render_to_string(
            "admin/enrolment/sessionchangerequest/_pending.html",
            {"request_obj": request_obj, "changes": change_request_changes(request_obj)},
        )

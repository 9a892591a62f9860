"""Publishing a session from the admin: first a page that says, for each session, what it lacks
(enrolment.session_services.session_missing_for_publication) and what it is (a provider's new
session, a draft), then session_publish on confirmation; and a staff preview of a session's
public page before it is public."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache

from catalogue.models import ModuleDay, Sequence, Session, SessionDay
from catalogue.selectors import day_bounds, session_programme
from enrolment.selectors import registration_state, with_seats_held
from enrolment.session_services import session_missing_for_publication, session_publish
from enrolment.transitions import Actor

from .objects import object_change_url, scoped_object

Status = Session.Status


def publication_rows(sessions) -> list[dict]:
    """Each session with what stops its publication: `missing` (what it lacks), `published` or
    `cancelled` (nothing to do), and `new` for a provider's submitted session never published."""
    rows = []
    for session in sessions.prefetch_related("days", "trainers"):
        rows.append(
            {
                "session": session,
                "missing": session_missing_for_publication(session),
                "published": session.status == Status.PUBLISHED,
                "cancelled": session.status == Status.CANCELLED,
                "new": session.status == Status.SUBMITTED and session.published_at is None,
            }
        )
    return rows


class SessionPublicationMixin:
    """For SessionAdmin: the "publish_sessions" action (list and change-page button) asks for
    confirmation, and "<id>/apercu/" shows the session's public page to staff."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/apercu/",
                self.admin_site.admin_view(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
            *super().get_urls(),
        ]

    @admin.action(
        description=gettext_lazy("Publier les sessions sélectionnées…"), permissions=["change"]
    )
    def publish_sessions(self, request, queryset):
        """Shows the confirmation page; publishes what it lists as ready once confirmed (the
        service checks everything again under the lock)."""
        if request.POST.get("confirm") != "yes":
            rows = publication_rows(queryset)
            context = {
                **self.admin_site.each_context(request),
                "title": ngettext("Publier la session", "Publier les sessions", len(rows)),
                "opts": self.opts,
                "rows": rows,
                "ready": [
                    row["session"]
                    for row in rows
                    if not (row["missing"] or row["published"] or row["cancelled"])
                ],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            }
            return TemplateResponse(
                request, "admin/catalogue/session/publish_confirmation.html", context
            )
        published = 0
        for session in queryset:
            try:
                _session, changed = session_publish(
                    session_id=session.pk, by=Actor.staff(request.user)
                )
            except ValidationError as error:
                reason = " ".join(error.messages)
                self.message_user(request, f"{session}\u00a0: {reason}", messages.ERROR)
            else:
                # One published already (a second submit, another user meanwhile) is not
                # counted: the message says what this request did.
                published += changed
        if published:
            self.message_user(
                request,
                ngettext("%(count)d session publiée.", "%(count)d sessions publiées.", published)
                % {"count": published},
                messages.SUCCESS,
            )
        return None

    @method_decorator(never_cache)
    def preview_view(self, request, object_id):
        obj = scoped_object(self, request, object_id)
        session = (
            with_seats_held(Session.objects.filter(pk=obj.pk))
            .annotate(**day_bounds())
            .select_related("module", "provider", "opco_contact__opco")
            .prefetch_related(
                Prefetch("days", queryset=SessionDay.objects.order_by("date")),
                "trainers",
                "partners",
                Prefetch("module__days", queryset=ModuleDay.objects.order_by("number")),
                Prefetch("module__sequences", queryset=Sequence.objects.order_by("number")),
            )
            .get()
        )
        status_label = session.get_status_display()
        missing = session_missing_for_publication(session)
        # As the public will see it once published (never saved: only this page's copy).
        session.status = Status.PUBLISHED
        response = TemplateResponse(
            request,
            "admin/catalogue/session/preview.html",
            {
                "session": session,
                "state": registration_state(session),
                "programme": session_programme(session),
                "other_sessions": [],
                "preview": True,
                "change_url": object_change_url(self, obj),
                "missing": missing,
                "status_label": status_label,
            },
        )
        response["X-Robots-Tag"] = "noindex"
        return response

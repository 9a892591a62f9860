"""A trainee's personal data in the admin (RGPD): download everything held about them as JSON
(enrolment.personal_data), and anonymise them on request, after a confirmation, through the
retention job's own erasure (enrolment.retention.trainee_anonymise). Both are written to the
trainee's admin history (LogEntry: its "Historique" page), the one place that shows what was
done to a trainee, who has no status of their own for the transition log to record.

An OPCO's staff act only on the trainees of their sessions (the admin's scoped queryset: any
other answers 404); their export holds what their programme holds, and they cannot anonymise
a trainee who also has an enrolment in another OPCO's programme (the national administration
can)."""

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrolment.models import Trainee
from enrolment.personal_data import trainee_data_json
from enrolment.retention import (
    AnonymisationRefused,
    trainee_anonymise,
    trainee_anonymise_refusal,
)
from enrolment.transitions import Actor

from ..scoping import is_national, session_scope_q, staff_opco
from .objects import object_change_url, scoped_object

EXPORTED = gettext_lazy("Données personnelles exportées (JSON).")


class TraineePersonalDataMixin:
    """`<object_id>/donnees-personnelles.json` (GET) and `<object_id>/anonymiser/` (GET: the
    confirmation, POST: the erasure) on the trainee's admin, named
    `<app>_<model>_personal_data` and `<app>_<model>_anonymise`."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "<path:object_id>/donnees-personnelles.json",
                self.admin_site.admin_view(self.personal_data_view),
                name="{}_{}_personal_data".format(*info),
            ),
            path(
                "<path:object_id>/anonymiser/",
                self.admin_site.admin_view(self.anonymise_view),
                name="{}_{}_anonymise".format(*info),
            ),
        ]
        return urls + super().get_urls()

    def _change_url(self, trainee):
        return object_change_url(self, trainee)

    def personal_data_view(self, request, object_id):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        # The admin's scoped queryset (trainees_q): another OPCO's trainee answers 404.
        trainee = scoped_object(self, request, object_id)
        user = request.user
        sessions_q = None if is_national(user) else session_scope_q(user)
        body = trainee_data_json(trainee, sessions_q=sessions_q)
        self.log_change(request, trainee, str(EXPORTED))
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="stagiaire-{trainee.pk}-donnees-personnelles.json"'
        )
        response["Cache-Control"] = "no-store, private"
        return response

    def _scope(self, request):
        """The OPCO whose programme bounds the user's anonymisations; None: national."""
        return None if is_national(request.user) else staff_opco(request.user)

    def anonymise_refusal(self, request, trainee) -> str | None:
        """Why this user may not anonymise this trainee now, or None (the service asks again
        under the lock)."""
        return trainee_anonymise_refusal(
            trainee, today=timezone.localdate(), opco=self._scope(request)
        )

    def anonymise_view(self, request, object_id):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        # The admin's scoped queryset (trainees_q): another OPCO's trainee answers 404.
        trainee = scoped_object(self, request, object_id, change=True)
        refusal = self.anonymise_refusal(request, trainee)
        if request.method == "POST":
            if refusal is None:
                try:
                    trainee_anonymise(
                        trainee_id=trainee.pk,
                        by=Actor.staff(request.user),
                        opco=self._scope(request),
                    )
                except AnonymisationRefused as error:
                    refusal = error.message
                except Trainee.DoesNotExist:
                    # Deleted since the page was read.
                    raise Http404 from None
            if refusal is not None:
                self.message_user(request, refusal, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Le stagiaire est anonymisé\u00a0; les statistiques sont conservées."),
                    messages.SUCCESS,
                )
            return redirect(self._change_url(trainee))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Anonymiser %(trainee)s") % {"trainee": trainee},
            "opts": self.opts,
            "original": trainee,
            "change_url": self._change_url(trainee),
            "refusal": refusal,
        }
        return TemplateResponse(
            request, "admin/enrolment/trainee/anonymise_confirmation.html", context
        )

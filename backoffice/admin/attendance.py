"""A session's participants (CSV, XLSX) and attendance grid in the admin, reached from the
session's page: the same export, grid, form and service as the providers' space."""

from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from enrolment.attendance_forms import attendance_grid_submit
from enrolment.exports import FORMATS, participants_response
from enrolment.transitions import Actor

from .objects import object_change_url, scoped_object


class SessionAttendanceMixin:
    """`<object_id>/participants.csv` and `.xlsx` (GET) and `<object_id>/presences/` (the grid:
    GET, POST) on the session's admin, named `<app>_<model>_participants_csv`, `_xlsx` and
    `_attendance`."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                f"<path:object_id>/participants.{file_format}",
                self.admin_site.admin_view(self.participants_view),
                {"file_format": file_format},
                name="{}_{}_participants_{}".format(*info, file_format),
            )
            for file_format in FORMATS
        ] + [
            path(
                "<path:object_id>/presences/",
                self.admin_site.admin_view(self.attendance_view),
                name="{}_{}_attendance".format(*info),
            ),
        ]
        return urls + super().get_urls()

    def participants_view(self, request, object_id, file_format):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        session = scoped_object(self, request, object_id)
        return participants_response(session, file_format=file_format)

    def attendance_view(self, request, object_id):
        session = scoped_object(self, request, object_id, change=True)
        form, saved = attendance_grid_submit(request, session, by=Actor.staff(request.user))
        if saved:
            return redirect(request.path)
        change_url = object_change_url(self, session)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Feuille de présence – %(session)s") % {"session": session},
            "opts": self.opts,
            "original": session,
            "session": session,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/catalogue/session/attendance.html", context)

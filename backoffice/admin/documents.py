"""The documents of a session as PDF in the admin: the attendance sheet on the session's page,
the convocation, the certificate and the attestation on the enrolment's page. The same
documents as the providers' space and the trainee's link (enrolment.documents)."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path

from enrolment import documents

from .objects import object_change_url, scoped_object


class _DocumentsMixin:
    def _back(self, request, obj, message):
        self.message_user(request, message, messages.ERROR)
        return redirect(object_change_url(self, obj))


class SessionDocumentsMixin(_DocumentsMixin):
    """`<object_id>/documents/feuille-emargement.pdf` (GET) on the session's admin, named
    `<app>_<model>_attendance_sheet`."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "<path:object_id>/documents/feuille-emargement.pdf",
                self.admin_site.admin_view(self.attendance_sheet_view),
                name="{}_{}_attendance_sheet".format(*info),
            ),
        ]
        return urls + super().get_urls()

    def attendance_sheet_view(self, request, object_id):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        obj = scoped_object(self, request, object_id)
        session = documents.session_for_documents(pk=obj.pk)
        try:
            return documents.attendance_sheet_response(session)
        except documents.DocumentUnavailable as error:
            return self._back(request, obj, error.message)


class EnrolmentDocumentsMixin(_DocumentsMixin):
    """`<object_id>/documents/<kind>.pdf` (GET) on the enrolment's admin, for each kind of
    enrolment.documents.ENROLMENT_DOCUMENTS, named `<app>_<model>_document_<kind>`
    (`document_url_name`)."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                f"<path:object_id>/documents/{kind}.pdf",
                self.admin_site.admin_view(self.document_view),
                {"kind": kind},
                name="{}_{}_{}".format(*info, documents.document_url_name(kind)),
            )
            for kind in documents.ENROLMENT_DOCUMENTS
        ]
        return urls + super().get_urls()

    def document_view(self, request, object_id, kind):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        obj = scoped_object(self, request, object_id)
        enrolment = documents.enrolment_for_documents(pk=obj.pk)
        try:
            return documents.enrolment_document_response(kind, enrolment)
        except documents.DocumentUnavailable as error:
            return self._back(request, obj, error.message)

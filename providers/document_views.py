"""The documents of a session as PDF in the providers' space: the attendance sheet, and per
confirmed trainee the convocation, the certificate of completion and the attestation. Another
provider's session, or an enrolment of another session, answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from enrolment import documents

from .selectors import member_enrolment, member_session


@never_cache
@require_GET
@login_required
def attendance_sheet(request, pk):
    if member_session(user=request.user, pk=pk) is None:
        raise Http404
    session = documents.session_for_documents(pk=pk)
    try:
        return documents.attendance_sheet_response(session)
    except documents.DocumentUnavailable as error:
        messages.error(request, error.message)
        return redirect("providers:session", pk=pk)


@never_cache
@require_GET
@login_required
def enrolment_document(request, pk, enrolment_pk, kind):
    enrolment = member_enrolment(user=request.user, pk=enrolment_pk)
    if enrolment is None or enrolment.session_id != pk:
        raise Http404
    enrolment = documents.enrolment_for_documents(pk=enrolment.pk)
    try:
        return documents.enrolment_document_response(kind, enrolment)
    except documents.DocumentUnavailable as error:
        messages.error(request, f"{enrolment.trainee} : {error.message}")
        return redirect("providers:session", pk=pk)

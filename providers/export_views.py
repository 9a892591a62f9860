"""Downloads of a session's participants (CSV and XLSX) in the providers' space."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from enrolment.exports import participants_response

from .selectors import member_session


@never_cache
@require_GET
@login_required
def participants_export(request, pk, file_format):
    session = member_session(user=request.user, pk=pk)
    if session is None:
        raise Http404
    return participants_response(session, file_format=file_format)

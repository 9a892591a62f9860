"""A session's attendance grid in the providers' space: the same form and service as the
admin's (enrolment.attendance_forms), for a session of the member's providers only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from enrolment.attendance_forms import attendance_grid_submit
from enrolment.transitions import Actor

from .selectors import member_session


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def attendance(request, pk):
    session = member_session(user=request.user, pk=pk)
    if session is None:
        raise Http404
    form, saved = attendance_grid_submit(request, session, by=Actor.provider(request.user))
    if saved:
        return redirect("providers:attendance", pk=session.pk)
    return render(request, "providers/attendance.html", {"session": session, "form": form})

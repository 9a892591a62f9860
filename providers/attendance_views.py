"""A session's attendance grid in the providers' space: the same form and service as the
admin's (enrolment.attendance_forms), for a session of the member's providers only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from enrolment.attendance import attendance_grid
from enrolment.attendance_forms import AttendanceGridForm
from enrolment.transitions import Actor

from .selectors import member_session


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def attendance(request, pk):
    session = member_session(user=request.user, pk=pk)
    if session is None:
        raise Http404
    form = AttendanceGridForm(attendance_grid(session), request.POST or None)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and form.save(by=Actor.provider(request.user)) is not None
    )
    if saved:
        messages.success(request, _("La feuille de présence est enregistrée."))
        return redirect("providers:attendance", pk=session.pk)
    return render(request, "providers/attendance.html", {"session": session, "form": form})

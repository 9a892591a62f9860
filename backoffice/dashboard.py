"""The staff's dashboard ("Tableau de bord", /admin/tableau-de-bord/): the figures of the user's
OPCO programme (every OPCO's for the national administration), linked from the top of the
admin's index. Reads in backoffice.dashboard_selectors, chart geometry in backoffice.charts."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.formats import fill_text
from catalogue.models import Session
from enrolment.selectors import session_under_minimum

from . import charts
from .dashboard_selectors import PENDING_SHOWN, PERIOD_MONTHS, UNDER_MINIMUM_DAYS, dashboard
from .scoping import is_national, staff_opco

# Staff who may see the sessions may see their figures.
PERMISSION = "catalogue.view_session"


def _programme(user) -> str | None:
    if is_national(user):
        return _("tous les OPCO")
    opco = staff_opco(user)
    return opco.name if opco else None


def dashboard_view(request):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    programme = _programme(request.user)
    context = {
        **admin.site.each_context(request),
        "title": _("Tableau de bord"),
        "programme": programme,
        "under_minimum_days": UNDER_MINIMUM_DAYS,
        "period_months": PERIOD_MONTHS,
        "pending_shown": PENDING_SHOWN,
    }
    if programme is not None:
        figures = dashboard(user=request.user)
        published = [s for s in figures.upcoming if s.status == Session.Status.PUBLISHED]
        for session in figures.upcoming:
            # "9 / 12 · min 6": the seats held, the capacity and the minimum.
            session.fill_text = fill_text(
                held=session.seats_held_count,
                capacity=session.capacity,
                minimum=session.min_participants,
            )
            session.under_minimum = session_under_minimum(session)
        for enrolment in figures.pending:
            enrolment.waiting_day = timezone.localdate(enrolment.waiting_since)
        context.update(
            figures=figures,
            fill_chart=charts.fill_chart(published),
            month_chart=charts.month_chart(figures.per_month),
            region_chart=charts.hbar_chart(
                [(row["session__region"], row["total"]) for row in figures.per_region]
            ),
            months_total=sum(value for _month, value in figures.per_month),
        )
    return TemplateResponse(request, "admin/dashboard.html", context)


dashboard_admin_view = admin.site.admin_view(dashboard_view)

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from catalogue import selectors as catalogue_selectors
from catalogue.geography import region_of
from catalogue.ics import session_calendar
from enrolment.selectors import registration_state

from . import selectors
from .forms import CatalogueFilterForm
from .jsonld import session_jsonld

SESSIONS_PER_PAGE = 20
MODULE_SESSIONS_SHOWN = 24  # the module and provider pages link to the catalogue for the rest


@require_GET
def home(request):
    return render(
        request,
        "catalogue/home.html",
        {
            "next_sessions": list(selectors.upcoming_sessions()[:6]),
            "modules": catalogue_selectors.modules_with_sequences(),
        },
    )


def _session_list(request, *, sessions, archives, template):
    form = CatalogueFilterForm(request.GET or None, archives=archives)
    filters = form.filters
    sessions = selectors.sessions_filter(sessions, filters=filters)
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filters": filters, "archives": archives}
    if not page.object_list and filters:
        context["regions"] = catalogue_selectors.regions_with_upcoming_sessions()
        department = filters.get("department")
        region = filters.get("region") or (region_of(department) if department else None)
        if region:
            context["region"] = region
            context["region_sessions"] = list(
                selectors.upcoming_sessions().filter(region=region)[:5]
            )
    return render(request, template, context)


@require_GET
def session_list(request):
    return _session_list(
        request,
        sessions=selectors.upcoming_sessions(),
        archives=False,
        template="catalogue/session_list.html",
    )


@require_GET
def session_archives(request):
    return _session_list(
        request,
        sessions=selectors.past_sessions(),
        archives=True,
        template="catalogue/session_archives.html",
    )


@require_GET
def session_detail(request, pk):
    session = selectors.session_page(pk)
    if session is None:
        raise Http404
    return render(
        request,
        "catalogue/session_detail.html",
        {
            "session": session,
            "state": registration_state(session),
            "programme": catalogue_selectors.session_programme(session),
            "other_sessions": list(
                selectors.sessions_of_module(session.module, exclude=session, limit=6)
            ),
            "jsonld": session_jsonld(session),
        },
    )


@require_GET
def session_ics(request, pk):
    session = selectors.public_sessions().filter(pk=pk).first()
    if session is None or not session.days.all():
        raise Http404
    response = HttpResponse(session_calendar(session), content_type="text/calendar; charset=utf-8")
    filename = f"allervers-session-{session.pk}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def module_list(request):
    return render(
        request,
        "catalogue/module_list.html",
        {"modules": catalogue_selectors.modules_with_sequences()},
    )


@require_GET
def module_detail(request, slug):
    module = catalogue_selectors.module_page(slug)
    if module is None:
        raise Http404
    return render(
        request,
        "catalogue/module_detail.html",
        {
            "module": module,
            "sessions": list(selectors.sessions_of_module(module, limit=MODULE_SESSIONS_SHOWN)),
            "sessions_count": selectors.sessions_of_module(module).count(),
            "past_sessions": list(selectors.past_sessions().filter(module=module)[:20]),
        },
    )


@require_GET
def provider_detail(request, slug):
    provider = catalogue_selectors.provider_page(slug)
    if provider is None:
        raise Http404
    return render(
        request,
        "catalogue/provider_detail.html",
        {
            "provider": provider,
            "sessions": list(
                selectors.upcoming_sessions().filter(provider=provider)[:MODULE_SESSIONS_SHOWN]
            ),
            "sessions_count": selectors.upcoming_sessions().filter(provider=provider).count(),
        },
    )


@require_GET
def aller_vers(request):
    return render(
        request,
        "catalogue/aller_vers.html",
        {"modules": catalogue_selectors.modules_with_sequences()},
    )


@require_GET
def legal_notice(request):
    return render(request, "pages/legal_notice.html")


@require_GET
def privacy(request):
    return render(request, "pages/privacy.html")


@require_GET
def accessibility(request):
    return render(request, "pages/accessibility.html")


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /sessions/*/inscription/",
        f"Sitemap: {settings.SITE_URL}{reverse('catalogue:sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

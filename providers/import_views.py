"""The spreadsheet upload of sessions: the template to download, the upload and its preview
(nothing written), the confirmation (everything written, or nothing). The checked rows wait in
the user's server-side session under a random token between the two steps; the browser only
sends the token back."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrolment.exports import export_response
from enrolment.session_services import ProviderSaveOutcome
from enrolment.transitions import Actor

from .import_forms import SessionImportForm
from .imports import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ImportRejected,
    Preview,
    import_apply,
    import_preview,
    template_rows,
    template_sessions,
    too_big_message,
)
from .selectors import member_providers

# Where the checked rows wait for the confirmation (one import at a time per login session).
SESSION_KEY = "providers_session_import"


def _not_member(request):
    return render(request, "providers/not_member.html", status=403)


def _page_context(providers, form, **extra):
    return {
        "providers": providers,
        "form": form,
        "columns": COLUMNS,
        "required_columns": REQUIRED_COLUMNS,
        "max_rows": settings.SESSION_IMPORT_MAX_ROWS,
        **extra,
    }


# What a form's other fields and the multipart envelope add to the file, at most.
_BODY_MARGIN = 64 * 1024


# The CSRF check reads the body, and Django writes an uploaded file of any size to disk as it
# reads: the size is checked first, from the request's Content-Length, and the CSRF check runs
# after it (csrf_protect below), never skipped.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request):
    """Step 1: the file is read and every row checked; the page shows what each row would do.
    Nothing is written."""
    providers = member_providers(user=request.user)
    if not providers:
        return _not_member(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if request.method == "POST" and length > settings.SESSION_IMPORT_MAX_BYTES + _BODY_MARGIN:
        form = SessionImportForm(providers=providers)
        form.add_error_unbound(too_big_message())
        return render(
            request, "providers/import_upload.html", _page_context(providers, form), status=413
        )
    return _import_upload(request, providers)


@csrf_protect
def _import_upload(request, providers):
    if request.method == "POST":
        form = SessionImportForm(request.POST, request.FILES, providers=providers)
    else:
        form = SessionImportForm(providers=providers)
    if form.is_bound and form.is_valid():
        preview = import_preview(provider=form.provider, sheet=form.sheet)
        token = None
        request.session.pop(SESSION_KEY, None)
        if not preview.errors and preview.to_write:
            token = secrets.token_urlsafe(24)
            request.session[SESSION_KEY] = {
                "token": token,
                "provider_id": form.provider.pk,
                "rows": preview.data(),
            }
        context = _page_context(
            providers,
            SessionImportForm(providers=providers),
            preview=preview,
            provider=form.provider,
            token=token,
            filename=form.cleaned_data["file"].name,
        )
        return render(request, "providers/import_preview.html", context)
    return render(request, "providers/import_upload.html", _page_context(providers, form))


@never_cache
@require_POST
@login_required
def import_confirm(request):
    """Step 2: the rows of an error-free preview are written in one transaction; if one fails
    (the sessions changed since the preview), nothing is written and the errors are shown."""
    providers = member_providers(user=request.user)
    if not providers:
        return _not_member(request)
    pending = request.session.get(SESSION_KEY) or {}
    token = request.POST.get("token", "")
    if not pending or not secrets.compare_digest(str(pending.get("token", "")), token):
        messages.error(
            request,
            _(
                "Cet aperçu n'est plus valable (déjà importé ou remplacé) : déposez le fichier "
                "à nouveau."
            ),
        )
        return redirect("providers:import")
    provider = next((p for p in providers if p.pk == pending["provider_id"]), None)
    if provider is None:
        raise Http404
    del request.session[SESSION_KEY]
    try:
        result = import_apply(
            provider_id=provider.pk, rows=pending["rows"], by=Actor.provider(request.user)
        )
    except ImportRejected as rejected:
        preview = Preview(rows=[], warnings=[])
        context = _page_context(
            providers,
            SessionImportForm(providers=providers),
            provider=provider,
            rejected=rejected.errors,
            preview=preview,
        )
        return render(request, "providers/import_preview.html", context, status=409)
    messages.success(request, _result_message(result.outcomes))
    return redirect("providers:home")


def _result_message(outcomes: dict[str, int]) -> str:
    created = outcomes.get(ProviderSaveOutcome.CREATED, 0)
    changed = outcomes.get(ProviderSaveOutcome.CHANGED, 0)
    proposed = outcomes.get(ProviderSaveOutcome.PROPOSED, 0)
    unchanged = outcomes.get(ProviderSaveOutcome.UNCHANGED, 0)
    parts = []
    if created:
        parts.append(
            ngettext(
                "%(count)d session créée et soumise à l'OPCO",
                "%(count)d sessions créées et soumises à l'OPCO",
                created,
            )
            % {"count": created}
        )
    if changed:
        parts.append(
            ngettext("%(count)d session modifiée", "%(count)d sessions modifiées", changed)
            % {"count": changed}
        )
    if proposed:
        parts.append(
            ngettext(
                "%(count)d modification soumise à l'accord de l'OPCO",
                "%(count)d modifications soumises à l'accord de l'OPCO",
                proposed,
            )
            % {"count": proposed}
        )
    if unchanged:
        parts.append(
            ngettext("%(count)d session inchangée", "%(count)d sessions inchangées", unchanged)
            % {"count": unchanged}
        )
    return _("Import terminé : %(parts)s.") % {"parts": ", ".join(parts) or _("rien à changer")}


@never_cache
@require_GET
@login_required
def import_template(request, file_format):
    """The template: the header and the provider's sessions to come, or an example row."""
    providers = member_providers(user=request.user)
    if not providers:
        return _not_member(request)
    wanted = request.GET.get("organisme", "")
    if len(providers) == 1 and not wanted:
        provider = providers[0]
    else:
        provider = next((p for p in providers if str(p.pk) == wanted), None)
        if provider is None:
            raise Http404
    rows = template_rows(provider, template_sessions(provider))
    return export_response(
        rows,
        file_format=file_format,
        filename=f"sessions-{slugify(provider.name)}",
        title=_("Sessions"),
    )

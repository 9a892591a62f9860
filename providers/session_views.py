"""A provider proposes a session, or changes one of its sessions: one form for the session and
its days, saved through the lifecycle service (session_provider_save)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from catalogue.models import Session
from enrolment.services import EnrolmentError
from enrolment.session_services import (
    SESSION_CLOSED,
    ProviderSaveOutcome,
    session_provider_closed,
    session_provider_save,
    session_provider_values,
)
from enrolment.transitions import Actor

from .selectors import member_providers, member_session, session_pending_change
from .session_forms import (
    EXTRA_DAYS_EDIT,
    EXTRA_DAYS_NEW,
    FORM_FIELDS,
    SessionForm,
    add_service_errors,
    day_formset,
)

OUTCOME_MESSAGES = {
    ProviderSaveOutcome.CREATED: gettext_lazy(
        "La session est envoyée à l'OPCO, qui la publiera dans le catalogue."
    ),
    ProviderSaveOutcome.CHANGED: gettext_lazy("Les modifications sont enregistrées."),
    ProviderSaveOutcome.PROPOSED: gettext_lazy(
        "La modification des dates, du lieu ou des places attend la validation de l'OPCO\u00a0; "
        "d'ici là, la fiche publique et les stagiaires gardent les valeurs actuelles."
    ),
    ProviderSaveOutcome.UNCHANGED: gettext_lazy(
        "Rien n'a changé\u00a0: aucune modification enregistrée."
    ),
}


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def session_create(request):
    providers = member_providers(user=request.user)
    if not providers:
        return render(request, "providers/not_member.html", status=403)
    provider = _chosen_provider(request, providers)
    if provider is None:
        # A member of several providers first says for which one.
        return render(request, "providers/session_provider_choice.html", {"providers": providers})
    return _session_form(
        request, provider=provider, session=None, several_providers=len(providers) > 1
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def session_edit(request, pk):
    session = member_session(user=request.user, pk=pk)
    if session is None:
        raise Http404
    if session_provider_closed(session):
        messages.error(request, SESSION_CLOSED)
        return redirect("providers:session", pk=session.pk)
    return _session_form(request, provider=session.provider, session=session)


def _chosen_provider(request, providers):
    if len(providers) == 1:
        return providers[0]
    chosen = request.POST.get("organisme") or request.GET.get("organisme")
    return next((provider for provider in providers if str(provider.pk) == chosen), None)


def _session_form(request, *, provider, session, several_providers=False):
    """`several_providers`: a new session's form carries its provider back (`organisme`,
    read by _chosen_provider); a session's edit knows its provider."""
    initial, initial_days = _initial(session)
    data = request.POST if request.method == "POST" else None
    form = SessionForm(data, provider=provider, initial=initial)
    days = day_formset(
        data=data,
        initial=initial_days,
        extra=EXTRA_DAYS_NEW if session is None else EXTRA_DAYS_EDIT,
    )
    days_errors = []
    # Both validated, so that every error shows at once.
    if data is not None and all([form.is_valid(), days.is_valid()]):
        try:
            saved, outcome = session_provider_save(
                provider_id=provider.pk,
                session_id=session.pk if session is not None else None,
                fields=form.session_fields(),
                days=days.day_values(),
                trainer_ids=form.trainer_ids(),
                by=Actor.provider(request.user),
            )
        except ValidationError as error:
            days_errors = add_service_errors(form, error)
        except EnrolmentError as error:
            # A rule of the seats that changed since the check (another enrolment came in).
            form.add_error(None, error.message)
        else:
            message = OUTCOME_MESSAGES[outcome]
            if outcome == ProviderSaveOutcome.CHANGED and saved.status == Session.Status.SUBMITTED:
                message = _(
                    "Les modifications sont enregistrées\u00a0; la session est soumise à l'OPCO, "
                    "qui la publiera."
                )
            messages.success(request, message)
            return redirect("providers:session", pk=saved.pk)
    context = {
        "provider": provider,
        "session": session,
        "form": form,
        "days": days,
        "days_errors": days_errors,
        "has_errors": bool(form.errors or days.total_error_count() or days_errors),
        "pending": session_pending_change(session),
        # Trainers of another provider that the OPCO added: not the provider's to choose, they
        # stay (session_provider_save).
        "other_trainers": [
            trainer for trainer in session.trainers.all() if trainer.provider_id != provider.pk
        ]
        if session is not None
        else [],
        "several_providers": several_providers,
    }
    return render(request, "providers/session_form.html", context)


def _initial(session):
    if session is None:
        return {}, []
    fields, days, trainer_ids = session_provider_values(session)
    initial = {name: fields[name] for name in FORM_FIELDS}
    initial["trainers"] = trainer_ids
    return initial, days

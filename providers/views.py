from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.lockout import login_rate_limited
from enrolment import services
from enrolment.selectors import session_has_ended
from enrolment.transitions import Actor

from .forms import LoginForm, RefusalForm
from .selectors import (
    member_enrolment,
    member_providers,
    member_session,
    pending_enrolments,
    session_enrolments,
    session_pending_change,
    space_attention,
    space_sessions,
)


# Guessing passwords costs a 429 page once the IP has tried too often (whatever the outcomes);
# axes locks out an account or an IP after LOGIN_FAILURE_LIMIT wrong passwords.
@method_decorator(login_rate_limited, name="dispatch")
class ProviderLoginView(LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True


class ProviderLogoutView(LogoutView):
    next_page = "providers:login"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Added after the session is flushed: the message travels in its own cookie.
        messages.info(request, _("Vous êtes déconnecté(e)."))
        return response


def _enrolment_or_404(request, pk):
    # Another provider's enrolment answers as a missing one: its existence stays private.
    enrolment = member_enrolment(user=request.user, pk=pk)
    if enrolment is None:
        raise Http404
    return enrolment


def _safe_next(request, target):
    """`target` if it is a page of this site, else ""."""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _back(request, enrolment):
    """The page the button was on (`next`), else the enrolment's session page."""
    target = _safe_next(request, request.POST.get("next", ""))
    if target:
        return redirect(target)
    return redirect("providers:session", pk=enrolment.session_id)


@never_cache
@login_required
def home(request):
    providers = member_providers(user=request.user)
    if not providers:
        return render(request, "providers/not_member.html", status=403)
    sessions = space_sessions(providers=providers)
    context = {
        "providers": providers,
        "several_providers": len(providers) > 1,
        "sessions": sessions,
        "pending": pending_enrolments(providers=providers),
        # What needs the members, beside the enrolments to validate (no query of its own).
        "attention": space_attention(sessions),
    }
    return render(request, "providers/home.html", context)


@never_cache
@login_required
def session_detail(request, pk):
    session = member_session(user=request.user, pk=pk)
    if session is None:
        raise Http404
    context = {
        "session": session,
        "enrolments": session_enrolments(session),
        # The certificate and the attestation: links once the session is over.
        "session_over": session_has_ended(session),
        # A change to the dates, place or seats waiting for the OPCO.
        "pending": session_pending_change(session),
    }
    return render(request, "providers/session_detail.html", context)


@require_POST
@login_required
def enrolment_validate(request, pk):
    enrolment = _enrolment_or_404(request, pk)
    try:
        services.enrolment_validate(enrolment_id=enrolment.pk, by=Actor.provider(request.user))
    except services.EnrolmentError as error:
        messages.error(request, f"{enrolment.trainee} : {error.message}")
    else:
        messages.success(
            request,
            _("L'inscription de %(trainee)s est validée\u00a0; un e-mail l'en informe.")
            % {"trainee": enrolment.trainee},
        )
    return _back(request, enrolment)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def enrolment_refuse(request, pk):
    """A confirmation step: the reason is asked for, then sent to the trainee."""
    enrolment = _enrolment_or_404(request, pk)
    form = RefusalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_refuse(
                enrolment_id=enrolment.pk,
                by=Actor.provider(request.user),
                reason=form.cleaned_data["reason"],
            )
        except services.EnrolmentError as error:
            messages.error(request, f"{enrolment.trainee} : {error.message}")
        else:
            messages.success(
                request,
                _("L'inscription de %(trainee)s est refusée\u00a0; un e-mail lui donne le motif.")
                % {"trainee": enrolment.trainee},
            )
        return _back(request, enrolment)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    context = {"enrolment": enrolment, "form": form, "next": next_url}
    return render(request, "providers/refuse.html", context)

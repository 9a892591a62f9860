import contextlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.ratelimit import rate_limited
from catalogue.models import Session

from . import documents, reminders, services
from .forms import EnrolmentForm, LinkRequestForm, ReminderForm, SatisfactionForm
from .ics import enrolment_calendar
from .job_selectors import satisfaction_open
from .links import (
    LinkExpired,
    LinkInvalid,
    enrolment_id_from_token,
    enrolment_id_to_confirm,
    enrolment_token,
)
from .models import Enrolment, ReminderSubscription, SatisfactionResponse
from .reminder_links import (
    ReminderLinkInvalid,
    subscription_id_to_confirm,
    subscription_id_to_unsubscribe,
)
from .selectors import (
    enrolment_for_page,
    module_requires_prerequisite,
    other_open_sessions,
    public_session_for_enrolment,
    registration_closed_reason,
    registration_closes_at,
    registration_state,
    session_has_ended,
    session_has_started,
    waitlist_position,
)
from .transitions import Actor


def _session_or_404(pk):
    # Sessions that are not public answer as missing ones: no page says they exist.
    try:
        return public_session_for_enrolment(pk=pk)
    except Session.DoesNotExist as exc:
        raise Http404 from exc


def _closed(request, session, reason):
    context = {"session": session, "reason": reason, "others": other_open_sessions(session)}
    return render(request, "enrolment/closed.html", context)


@require_http_methods(["GET", "POST"])
@rate_limited("enrol", "ENROLMENT_RATE_LIMIT_ENROL")
def enrol(request, pk):
    session = _session_or_404(pk)
    state = registration_state(session)
    if not state.can_enrol:
        return _closed(request, session, state.closed_reason)
    form = EnrolmentForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        if form.is_spam:
            return redirect("enrolment:received", pk=session.pk)
        try:
            services.enrolment_create(
                session_id=session.pk,
                trainee_data=form.trainee_data(),
                employer_data=form.employer_data(),
                enrolment_data=form.enrolment_data(),
                consent=form.cleaned_data["consent"],
                by=Actor.trainee(),
            )
        except services.RegistrationClosed as exc:
            return _closed(request, session, exc.code)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            # The same page whatever happened (a new enrolment, an address already enrolled):
            # only the address's owner, through the mailed link, learns more.
            return redirect("enrolment:received", pk=session.pk)
    context = {"session": session, "form": form, "state": state}
    return render(request, "enrolment/enrol.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("link", "ENROLMENT_RATE_LIMIT_LINK")
def received(request, pk):
    """ "Check your mailbox": the one answer to every enrolment form sent, with a way to get
    the mail again that answers the same whether the address is enrolled or not."""
    session = _session_or_404(pk)
    form = LinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.is_spam:
            services.enrolment_confirmation_resend(
                session_id=session.pk, email=form.cleaned_data["email"]
            )
        messages.success(
            request,
            _(
                "Si une inscription à cette session a été demandée avec cette adresse, un "
                "nouvel e-mail vient de lui être envoyé."
            ),
        )
        return redirect("enrolment:received", pk=session.pk)
    context = {
        "session": session,
        "form": form,
        "hold_minutes": settings.ENROLMENT_HOLD_MINUTES,
        "resend_minutes": services.CONFIRMATION_RESEND_MINUTES,
    }
    return render(request, "enrolment/received.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The link of the address confirmation mail shows a button: a mail scanner that opens
    links does not confirm in the person's place."""
    try:
        enrolment = enrolment_for_page(pk=enrolment_id_to_confirm(token))
    except LinkExpired:
        return _bad_link(request, expired=True)
    except (LinkInvalid, Enrolment.DoesNotExist):
        return _bad_link(request, expired=False)
    if request.method == "POST":
        try:
            enrolment = services.enrolment_confirm(enrolment_id=enrolment.pk)
        except services.EnrolmentError as exc:
            return _confirmation_lapsed(request, enrolment, exc.message)
        messages.success(request, _("Votre adresse est confirmée."))
        return redirect("enrolment:done", token=enrolment_token(enrolment))
    if enrolment.address_confirmed_at is not None:
        return redirect("enrolment:done", token=enrolment_token(enrolment))
    if enrolment.confirmation_lapsed:
        # A late click is told at once, before any button.
        return _confirmation_lapsed(request, enrolment, services.HOLD_LAPSED)
    context = {
        "enrolment": enrolment,
        "session": enrolment.session,
        "identity": enrolment.submitted_identity,
        "token": token,
    }
    return render(request, "enrolment/confirm.html", context)


def _confirmation_lapsed(request, enrolment, message):
    context = {"session": enrolment.session, "message": message}
    return render(request, "enrolment/confirm_lapsed.html", context, status=410)


def _enrolment_from_token(request, token):
    """(enrolment, None) or (None, the "link not valid" response)."""
    try:
        enrolment_id = enrolment_id_from_token(token)
        enrolment = enrolment_for_page(pk=enrolment_id)
    except LinkExpired:
        return None, _bad_link(request, expired=True)
    except (LinkInvalid, Enrolment.DoesNotExist):
        return None, _bad_link(request, expired=False)
    return enrolment, None


def _bad_link(request, *, expired):
    context = {"expired": expired, "form": LinkRequestForm()}
    return render(request, "enrolment/bad_link.html", context, status=410 if expired else 404)


def _enrolment_context(enrolment, token):
    session = enrolment.session
    return {
        "enrolment": enrolment,
        "session": session,
        "token": token,
        "position": waitlist_position(enrolment),
        "started": session_has_started(session),
        # Over: the pages say so and point to the certificate and the attestation.
        "ended": session_has_ended(session),
        "requires_prerequisite": module_requires_prerequisite(session.module),
        "registration_closes_at": registration_closes_at(session),
    }


@never_cache
def done(request, token):
    enrolment, bad_link = _enrolment_from_token(request, token)
    if bad_link:
        return bad_link
    return render(request, "enrolment/done.html", _enrolment_context(enrolment, token))


@never_cache
def detail(request, token):
    enrolment, bad_link = _enrolment_from_token(request, token)
    if bad_link:
        return bad_link
    context = _enrolment_context(enrolment, token)
    context["convocation_available"] = documents.convocation_unavailable_reason(enrolment) is None
    context["completion_available"] = documents.completion_unavailable_reason(enrolment) is None
    return render(request, "enrolment/detail.html", context)


@never_cache
@require_GET
def document(request, token, kind):
    """The trainee's own documents: the convocation while confirmed; the certificate and the
    attestation once the session is over and their attendance recorded."""
    enrolment, bad_link = _enrolment_from_token(request, token)
    if bad_link:
        return bad_link
    enrolment = documents.enrolment_for_documents(pk=enrolment.pk)
    try:
        return documents.enrolment_document_response(kind, enrolment)
    except documents.DocumentUnavailable as error:
        messages.error(request, error.message)
        return redirect("enrolment:detail", token=token)


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request, token):
    enrolment, bad_link = _enrolment_from_token(request, token)
    if bad_link:
        return bad_link
    if request.method == "POST":
        try:
            services.enrolment_cancel(enrolment_id=enrolment.pk, by=Actor.trainee())
        except services.EnrolmentError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Votre inscription est annulée. Un e-mail de confirmation vous a été envoyé."),
            )
        return redirect("enrolment:detail", token=token)
    return render(request, "enrolment/cancel.html", _enrolment_context(enrolment, token))


@require_POST
def accept_offer(request, token):
    enrolment, bad_link = _enrolment_from_token(request, token)
    if bad_link:
        return bad_link
    try:
        enrolment = services.offer_accept(enrolment_id=enrolment.pk)
    except services.EnrolmentError as exc:
        messages.error(request, exc.message)
    else:
        if enrolment.status == Enrolment.Status.PENDING:
            messages.success(
                request, _("La place est à vous\u00a0; votre prérequis va être vérifié.")
            )
        else:
            messages.success(
                request, _("La place est à vous\u00a0: votre inscription est confirmée.")
            )
    return redirect("enrolment:detail", token=token)


@never_cache
def calendar(request, token):
    enrolment, bad_link = _enrolment_from_token(request, token)
    if bad_link:
        return bad_link
    # Cancelled events once the enrolment has ended: re-importing removes the days.
    response = HttpResponse(
        enrolment_calendar(enrolment), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="formation.ics"'
    return response


@require_http_methods(["GET", "POST"])
@rate_limited("link", "ENROLMENT_RATE_LIMIT_LINK")
def link_request(request):
    form = LinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.is_spam:
            services.enrolment_links_send(email=form.cleaned_data["email"])
        # The same answer whether the address is enrolled or not.
        messages.success(
            request,
            _(
                "Si une inscription en cours correspond à cette adresse, vous allez recevoir "
                "son lien personnel par e-mail dans quelques minutes."
            ),
        )
        return redirect(reverse("enrolment:link_request"))
    return render(request, "enrolment/link_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
@rate_limited("reminder", "ENROLMENT_RATE_LIMIT_LINK")
def reminder_subscribe(request, pk):
    session = _session_or_404(pk)
    reason = registration_closed_reason(session)
    if reason is not None:
        return _closed(request, session, reason)
    form = ReminderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.is_spam:
            reminders.reminder_subscribe(session_id=session.pk, email=form.cleaned_data["email"])
        # The same answer whether the address had asked before, confirmed or not.
        return redirect("enrolment:reminder_requested", pk=session.pk)
    return render(request, "enrolment/reminder_form.html", {"session": session, "form": form})


def reminder_requested(request, pk):
    session = _session_or_404(pk)
    return render(request, "enrolment/reminder_requested.html", {"session": session})


@never_cache
@require_http_methods(["GET", "POST"])
def reminder_confirm(request, token):
    """The link of the confirmation mail shows a button: a mail scanner that opens links
    does not confirm in the person's place."""
    try:
        subscription_id = subscription_id_to_confirm(token)
        subscription = ReminderSubscription.objects.select_related("session").get(
            pk=subscription_id
        )
    except (ReminderLinkInvalid, ReminderSubscription.DoesNotExist):
        return render(request, "enrolment/reminder_bad_link.html", status=404)
    if request.method == "POST":
        subscription = reminders.reminder_confirm(subscription_id=subscription.pk)
    context = {"subscription": subscription, "session": subscription.session, "token": token}
    return render(request, "enrolment/reminder_confirm.html", context)


# Mail scanners open links: a GET only shows a button. A POST unsubscribes, and carries no CSRF
# token: the button's form or the mail client's one-click POST to this same URL (RFC 8058,
# body "List-Unsubscribe=One-Click"). Stopping reminders is all it can do, and only with the
# signed link.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def reminder_unsubscribe(request, token):
    try:
        subscription_id = subscription_id_to_unsubscribe(token)
    except ReminderLinkInvalid:
        return render(request, "enrolment/reminder_bad_link.html", status=404)
    if request.method == "POST":
        subscription = reminders.reminder_unsubscribe(subscription_id=subscription_id)
    else:
        subscription = (
            ReminderSubscription.objects.select_related("session")
            .filter(pk=subscription_id)
            .first()
        )
        if subscription is not None and subscription.unsubscribed_at is None:
            context = {"session": subscription.session, "token": token}
            return render(request, "enrolment/reminder_unsubscribe.html", context)
    # Stopped, now or before. None: the request was deleted once its session was over.
    context = {"session": subscription.session if subscription else None}
    return render(request, "enrolment/reminder_unsubscribed.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def satisfaction(request, token):
    enrolment, bad_link = _enrolment_from_token(request, token)
    if bad_link:
        return bad_link
    context = _enrolment_context(enrolment, token)
    if SatisfactionResponse.objects.filter(enrolment=enrolment).exists():
        return render(request, "enrolment/satisfaction_thanks.html", context)
    if not satisfaction_open(enrolment):
        return render(request, "enrolment/satisfaction_closed.html", context)
    form = SatisfactionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Answered meanwhile (a second tab): the thanks page says so.
        with contextlib.suppress(services.EnrolmentError):
            services.satisfaction_response_create(enrolment_id=enrolment.pk, answers=form.answers())
        return redirect("enrolment:satisfaction", token=token)
    return render(request, "enrolment/satisfaction.html", {**context, "form": form})

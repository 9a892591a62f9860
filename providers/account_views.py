"""The accounts' pages: accepting an invitation (choosing a first password) and the password
reset by e-mail, for providers' members and OPCO staff alike. Django's password views, with
the mails sent through the outbox (their links are made when they leave: providers.mails)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from accounts.lockout import lockout_context
from accounts.ratelimit import rate_limited
from accounts.tokens import invitation_token_generator

from .accounts import PASSWORD_RESET_MAIL_MINUTES, password_chosen, password_reset_request
from .forms import PasswordResetRequestForm

# The path segment that replaces the token once it is in the session (Django's views keep it
# out of the address bar, hence out of the Referer sent to other sites).
SET_PASSWORD_SEGMENT = "nouveau"


@method_decorator(never_cache, name="dispatch")
@method_decorator(rate_limited("password_reset", "PASSWORD_RESET_RATE_LIMIT"), name="dispatch")
class PasswordResetRequestView(FormView):
    """Whether the address has an account or not, the answer is the same redirect to the same
    page; only an existing account gets a mail."""

    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("providers:password_reset_done")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **lockout_context(self.request)}

    def form_valid(self, form):
        password_reset_request(email=form.cleaned_data["email"])
        return super().form_valid(form)


@method_decorator(never_cache, name="dispatch")
class PasswordResetDoneView(TemplateView):
    template_name = "accounts/password_reset_done.html"
    extra_context = {"mail_minutes": PASSWORD_RESET_MAIL_MINUTES}


class _SetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's view, with an answer in 4xx for a link that is used, expired or altered."""

    reset_url_token = SET_PASSWORD_SEGMENT
    # The bad link's page offers a fresh link (the reset, which also renews an invitation).
    bad_link_status = 400

    def get_user(self, uidb64):
        # Django's view finds the account whatever its state, and the invitation logs in
        # without authenticate(): a deactivated account's link (mailed before it was
        # deactivated) must not open it.
        user = super().get_user(uidb64)
        if user is None or not user.is_active:
            return None
        return user

    def render_to_response(self, context, **response_kwargs):
        if not context.get("validlink"):
            response_kwargs["status"] = self.bad_link_status
        return super().render_to_response(context, **response_kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        password_chosen(user=form.user)
        return response


class PasswordResetConfirmView(_SetPasswordView):
    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("providers:password_reset_complete")
    extra_context = {"invitation": False}


@method_decorator(never_cache, name="dispatch")
class PasswordResetCompleteView(TemplateView):
    template_name = "accounts/password_reset_complete.html"


class InvitationAcceptView(_SetPasswordView):
    """The invitation's link: the new member chooses a password, is logged in and lands in the
    space."""

    template_name = "accounts/password_set.html"
    token_generator = invitation_token_generator
    success_url = reverse_lazy("providers:home")
    post_reset_login = True
    # Logged in without authenticate(): the backend that holds the account.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    extra_context = {"invitation": True}

    def get_user(self, uidb64):
        # An invitation opens a space: an account that is no longer a member of any provider
        # (removed since the mail left) has nothing to enter; staff enter the admin.
        user = super().get_user(uidb64)
        if user is None or not (user.is_staff or user.providers.exists()):
            return None
        return user

    @cached_property
    def _lands_in_admin(self) -> bool:
        # Staff invited by a superuser land in the admin; a provider's member in the space.
        return self.user.is_staff and not self.user.providers.exists()

    def get_success_url(self):
        if self._lands_in_admin:
            return reverse("admin:index")
        return super().get_success_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        if self._lands_in_admin:
            text = _("Votre mot de passe est enregistré. Bienvenue dans l'administration\u00a0!")
        else:
            text = _("Votre mot de passe est enregistré. Bienvenue dans l'espace organisme\u00a0!")
        messages.success(self.request, text)
        return response

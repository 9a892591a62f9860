"""The one-time links of the accounts: the invitation's (choose a first password) and the
password reset's. Both are Django's password-reset tokens, which hash the user's password and
last login: once the password is set (and the member logged in), the link no longer matches,
so it works once. Each has its own salt, so that one never does the other's job. The tokens
are made when the mail leaves (the outbox's builders), never stored."""

import datetime

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

INVITATION_VALID_FOR = datetime.timedelta(days=7)


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Valid INVITATION_VALID_FOR (Django's check reads PASSWORD_RESET_TIMEOUT, the reset
    link's lifetime, hence the check below with this class's own)."""

    key_salt = "accounts.tokens.InvitationTokenGenerator"
    timeout = int(INVITATION_VALID_FOR.total_seconds())

    def check_token(self, user, token):
        if not (user and token) or not isinstance(token, str):
            return False
        try:
            timestamp_b36, _hash = token.split("-")
            timestamp = base36_to_int(timestamp_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            expected = self._make_token_with_timestamp(user, timestamp, secret)
            if constant_time_compare(expected, token):
                break
        else:
            return False
        age = self._num_seconds(self._now()) - timestamp
        return 0 <= age <= self.timeout


invitation_token_generator = InvitationTokenGenerator()


def user_uidb64(user) -> str:
    """The user's id as the links carry it (Django's password-reset views read it back)."""
    return urlsafe_base64_encode(force_bytes(user.pk))

"""The signed links of a reminder subscription: confirm it (double opt-in) and unsubscribe.
The token is the subscription id signed with a salt per purpose, so that one link never does
the other's job; a new subscription after an unsubscription has new links."""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .links import LinkExpired, LinkInvalid, signed_id

CONFIRM_SALT = "reminder-confirm"
UNSUBSCRIBE_SALT = "reminder-unsubscribe"
# Past this, an unconfirmed request is dropped: the person asks again.
CONFIRM_MAX_AGE = datetime.timedelta(days=7)


class ReminderLinkInvalid(Exception):
    pass


def confirm_token(subscription) -> str:
    return signing.dumps(subscription.pk, salt=CONFIRM_SALT)


def unsubscribe_token(subscription) -> str:
    return signing.dumps(subscription.pk, salt=UNSUBSCRIBE_SALT)


def _loads(token: str, *, salt: str, max_age=None) -> int:
    try:
        return signed_id(token, salt=salt, max_age=max_age)
    except (LinkExpired, LinkInvalid) as exc:
        raise ReminderLinkInvalid from exc


def subscription_id_to_confirm(token: str) -> int:
    return _loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)


def subscription_id_to_unsubscribe(token: str) -> int:
    # No expiry: every reminder must stay stoppable with its link.
    return _loads(token, salt=UNSUBSCRIBE_SALT)


def confirm_url(subscription) -> str:
    return settings.SITE_URL + reverse(
        "enrolment:reminder_confirm", args=[confirm_token(subscription)]
    )


def unsubscribe_url(subscription) -> str:
    return settings.SITE_URL + reverse(
        "enrolment:reminder_unsubscribe", args=[unsubscribe_token(subscription)]
    )

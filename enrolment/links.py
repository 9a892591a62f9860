"""The signed links of an enrolment: the personal link (whoever holds it, sent to the trainee's
e-mail, manages the enrolment: trainees have no account) and the link that confirms the
address. Each is a signed, timestamped token of the enrolment id, with a salt per purpose so
that one link never does the other's job."""

import datetime
import time

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "enrolment-link"
CONFIRM_SALT = "enrolment-confirm"
# A token stamped later than now (beyond clock drift between servers) was not made here.
CLOCK_DRIFT_SECONDS = 300


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def enrolment_token(enrolment) -> str:
    return signing.dumps(enrolment.pk, salt=SALT)


def confirmation_token(enrolment) -> str:
    return signing.dumps(enrolment.pk, salt=CONFIRM_SALT)


def signed_id(token: str, *, salt: str, max_age: datetime.timedelta | None = None) -> int:
    """The id in a token made by signing.dumps(id, salt=salt); raises LinkExpired or
    LinkInvalid. Only a positive int is an id (a payload of `true` is not enrolment 1), and a
    token stamped in the future is refused."""
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    if type(value) is not int or value <= 0:
        raise LinkInvalid
    # The signature covers "payload:timestamp", so the timestamp read here is the signed one.
    stamped = signing.b62_decode(token.rsplit(":", 2)[-2])
    if stamped > time.time() + CLOCK_DRIFT_SECONDS:
        raise LinkInvalid
    return value


def enrolment_id_from_token(token: str) -> int:
    """The enrolment id of a personal link; raises LinkExpired or LinkInvalid."""
    max_age = datetime.timedelta(days=settings.ENROLMENT_LINK_MAX_AGE_DAYS)
    return signed_id(token, salt=SALT, max_age=max_age)


def enrolment_id_to_confirm(token: str) -> int:
    """The enrolment id of a confirmation link; raises LinkExpired or LinkInvalid. The link
    outlives the hold by a day, so that a late click is told the hold lapsed."""
    max_age = datetime.timedelta(minutes=settings.ENROLMENT_HOLD_MINUTES, days=1)
    return signed_id(token, salt=CONFIRM_SALT, max_age=max_age)


def enrolment_link_url(enrolment) -> str:
    """The absolute personal link, for mails."""
    return settings.SITE_URL + reverse("enrolment:detail", args=[enrolment_token(enrolment)])


def confirmation_url(enrolment) -> str:
    return settings.SITE_URL + reverse("enrolment:confirm", args=[confirmation_token(enrolment)])

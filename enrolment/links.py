"""The personal link: a signed, timestamped token of the enrolment id. Trainees have no
account; whoever holds the link (sent to their e-mail) manages the enrolment."""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "enrolment-link"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def enrolment_token(enrolment) -> str:
    return signing.dumps(enrolment.pk, salt=SALT)


def enrolment_id_from_token(token: str) -> int:
    """The enrolment id in `token`; raises LinkExpired or LinkInvalid."""
    max_age = datetime.timedelta(days=settings.ENROLMENT_LINK_MAX_AGE_DAYS)
    try:
        value = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    if not isinstance(value, int):
        raise LinkInvalid
    return value


def enrolment_link_url(enrolment) -> str:
    """The absolute personal link, for mails."""
    return settings.SITE_URL + reverse("enrolment:detail", args=[enrolment_token(enrolment)])

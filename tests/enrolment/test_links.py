import datetime

import pytest
from django.core import signing

from enrolment.links import (
    LinkExpired,
    LinkInvalid,
    enrolment_id_from_token,
    enrolment_link_url,
    enrolment_token,
)
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def test_token_gives_back_the_enrolment_id():
    enrolment = EnrolmentFactory()

    assert enrolment_id_from_token(enrolment_token(enrolment)) == enrolment.pk


def test_tampered_token_is_invalid():
    enrolment = EnrolmentFactory()
    token = enrolment_token(enrolment)
    other_id_token = enrolment_token(EnrolmentFactory())
    # Another enrolment's id with this one's signature.
    forged = other_id_token.split(":")[0] + ":" + token.split(":", 1)[1]

    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), forged, "nimportequoi"):
        with pytest.raises(LinkInvalid):
            enrolment_id_from_token(bad)


def test_token_expires_after_the_configured_days(settings, time_machine):
    settings.ENROLMENT_LINK_MAX_AGE_DAYS = 30
    time_machine.move_to(datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC), tick=False)
    enrolment = EnrolmentFactory()
    token = enrolment_token(enrolment)

    time_machine.shift(datetime.timedelta(days=29))
    assert enrolment_id_from_token(token) == enrolment.pk
    time_machine.shift(datetime.timedelta(days=2))
    with pytest.raises(LinkExpired):
        enrolment_id_from_token(token)


def test_token_signed_for_another_purpose_is_invalid():
    with pytest.raises(LinkInvalid):
        enrolment_id_from_token(signing.dumps(1, salt="another-purpose"))


def test_link_url_is_absolute_on_the_site(settings):
    settings.SITE_URL = "https://allervers.example.org"
    enrolment = EnrolmentFactory()

    url = enrolment_link_url(enrolment)

    assert url.startswith("https://allervers.example.org/inscription/")

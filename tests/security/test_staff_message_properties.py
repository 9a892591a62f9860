"""The session page's "Écrire aux stagiaires" given any text: a form error or a redirect, never
a 500; a message is recorded with one outbox row per recipient, or nothing is written."""

import pytest
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from enrolment.mails import MailKind
from enrolment.models import StaffMessage
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory, SessionFactory, opco_staff_user

from .strategies import texts
from .test_properties import _rolled_back

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(db):
    session = SessionFactory()
    EnrolmentFactory.create_batch(2, session=session)
    EnrolmentFactory(session=session, status="waitlisted")
    return session


@pytest.fixture
def manager_client(client, upcoming):
    client.force_login(opco_staff_user())
    return client


@given(
    subject=texts,
    body=texts,
    waitlisted=st.sampled_from(["", "on", "\u00e9"]),
    token=st.one_of(st.just("ab" * 16), texts),
)
@_rolled_back
def test_message_page_answers_a_form_error_or_a_redirect(
    manager_client, upcoming, subject, body, waitlisted, token
):
    data = {"subject": subject, "body": body, "include_waitlisted": waitlisted, "token": token}
    response = manager_client.post(
        reverse("admin:catalogue_session_staff_message", args=[upcoming.pk]), data
    )
    # A NUL byte anywhere is refused before any view (400).
    assert response.status_code in (200, 302, 400)
    event(f"status {response.status_code}")
    mails = OutboxMail.objects.filter(kind=MailKind.STAFF_MESSAGE).count()
    sent = list(StaffMessage.objects.all())
    if response.status_code == 302:
        [message] = sent
        assert mails == message.recipient_count in (2, 3)
        assert "\n" not in message.subject and message.subject.strip()
    else:
        assert not sent and not mails

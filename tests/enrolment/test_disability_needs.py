"""The needs a trainee writes on the enrolment form reach the provider, as the form promises:
a mail to its disability contact (référent handicap), else to its own address."""

import logging

import pytest

from enrolment.mails import MailKind
from enrolment.models import Enrolment
from enrolment.services import disability_needs_recipient
from outbox.models import OutboxMail
from outbox.services import outbox_send
from tests.factories import ProviderFactory, SessionFactory

from .helpers import enrol, enrolment_data

pytestmark = pytest.mark.django_db

Kind = MailKind
NEEDS = "Je me déplace en fauteuil roulant.\nMerci de prévoir une salle de plain-pied."


def _session(**provider_fields):
    provider = ProviderFactory(name="Croix-Rouge française", **provider_fields)
    return SessionFactory(provider=provider, label="Groupe 2", city="Orléans", min_participants=0)


def _enrol_with_needs(session, needs=NEEDS, **trainee_overrides):
    return enrol(
        session, declaration=enrolment_data(disability_needs=needs), **trainee_overrides
    ).enrolment


def test_needs_are_mailed_to_the_disability_contact_with_the_trainees_details(
    django_capture_on_commit_callbacks, mailoutbox
):
    session = _session(disability_contact_email="handicap@croix-rouge.example.org")

    with django_capture_on_commit_callbacks(execute=True):
        enrolment = _enrol_with_needs(
            session, email="lea@ccas.example.org", first_name="Léa", last_name="Bernard"
        )

    row = OutboxMail.objects.get(kind=Kind.DISABILITY_NEEDS)
    assert (row.recipient, row.about, row.status) == (
        "handicap@croix-rouge.example.org",
        enrolment,
        OutboxMail.Status.SENT,
    )
    assert row.dedup_key == f"disability_needs:{enrolment.pk}"
    [message] = [m for m in mailoutbox if m.to == ["handicap@croix-rouge.example.org"]]
    assert message.subject == (
        f"Besoins liés à un handicap – Module {session.module.number}, Groupe 2 à Orléans"
    )
    # The provider answers the trainee directly.
    assert message.reply_to == ["lea@ccas.example.org"]
    text = message.body
    assert text.startswith("Bonjour,")
    assert NEEDS in text
    assert "Léa Bernard" in text
    assert "lea@ccas.example.org" in text
    assert "06 12 34 56 78" in text
    assert "adapter la formation" in text
    assert str(session.module) in text
    # Not the trainee's personal link: it lets its holder cancel the enrolment.
    assert "/inscription/" not in text
    html = message.alternatives[0][0]
    assert "Je me déplace en fauteuil roulant.<br>Merci de prévoir" in html
    assert "mailto:lea@ccas.example.org" in html
    # The trainee gets their own confirmation as well.
    assert [m.to for m in mailoutbox if m is not message] == [["lea@ccas.example.org"]]


def test_needs_go_to_the_providers_address_when_it_has_no_disability_contact():
    session = _session(
        email="contact@croix-rouge.example.org",
        disability_contact_name="",
        disability_contact_email="",
    )

    _enrol_with_needs(session)

    row = OutboxMail.objects.get(kind=Kind.DISABILITY_NEEDS)
    assert row.recipient == "contact@croix-rouge.example.org"


def test_needs_are_kept_but_not_mailed_when_the_provider_has_no_address(caplog):
    session = _session(email="", disability_contact_name="", disability_contact_email="")

    with caplog.at_level(logging.WARNING, logger="enrolment.services"):
        enrolment = _enrol_with_needs(session, email="lea@ccas.example.org")

    assert not OutboxMail.objects.filter(kind=Kind.DISABILITY_NEEDS).exists()
    assert Enrolment.objects.get().disability_needs == NEEDS
    [record] = caplog.records
    assert str(enrolment.pk) in record.getMessage()
    # Ids only: neither the needs nor the address go to the logs.
    assert "fauteuil" not in record.getMessage()
    assert "lea@ccas.example.org" not in record.getMessage()


@pytest.mark.parametrize("needs", ["", "   \n "])
def test_blank_needs_queue_no_mail_to_the_provider(needs):
    _enrol_with_needs(_session(), needs=needs)

    assert list(OutboxMail.objects.order_by("pk").values_list("kind", flat=True)) == [
        Kind.ADDRESS_CONFIRM,
        Kind.CONFIRMATION,
    ]


def test_enrolling_again_with_the_same_address_does_not_send_the_needs_again():
    session = _session()
    first = _enrol_with_needs(session, email="lea@ccas.example.org")

    result = enrol(
        session,
        email="lea@ccas.example.org",
        declaration=enrolment_data(disability_needs="Un autre besoin."),
    )

    assert not result.created and result.enrolment == first
    [row] = OutboxMail.objects.filter(kind=Kind.DISABILITY_NEEDS)
    assert row.about == first
    assert OutboxMail.objects.filter(kind=Kind.LINK).count() == 1


def test_needs_mail_is_skipped_when_the_enrolment_is_cancelled_before_it_leaves(mailoutbox):
    enrolment = _enrol_with_needs(_session())
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.CANCELLED)
    row = OutboxMail.objects.get(kind=Kind.DISABILITY_NEEDS)

    assert outbox_send(mail_id=row.pk) is False

    assert mailoutbox == []
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SKIPPED


def test_needs_mail_is_skipped_when_the_needs_were_erased_before_it_leaves(mailoutbox):
    enrolment = _enrol_with_needs(_session())
    Enrolment.objects.filter(pk=enrolment.pk).update(disability_needs="")
    row = OutboxMail.objects.get(kind=Kind.DISABILITY_NEEDS)

    assert outbox_send(mail_id=row.pk) is False

    assert mailoutbox == []


@pytest.mark.parametrize(
    "session_contact, provider_contact, expected",
    [
        # The session's own contact, when it has an address.
        (("Nora", "nora@example.org", ""), ("Sam", "sam@example.org"), "nora@example.org"),
        # Its own contact without an address: the provider's référent, then the provider.
        (("Nora", "", "02 38 00 00 00"), ("Sam", "sam@example.org"), "sam@example.org"),
        (("Nora", "", "02 38 00 00 00"), ("", ""), "contact@example.org"),
        # No contact of its own: the provider's référent, then the provider.
        (("", "", ""), ("Sam", "sam@example.org"), "sam@example.org"),
        (("", "", ""), ("Sam", ""), "contact@example.org"),
    ],
)
def test_the_needs_go_to_the_shown_contacts_address_else_the_providers(
    session_contact, provider_contact, expected
):
    session = _session(
        email="contact@example.org",
        disability_contact_name=provider_contact[0],
        disability_contact_email=provider_contact[1],
    )
    (
        session.disability_contact_name,
        session.disability_contact_email,
        session.disability_contact_phone,
    ) = session_contact
    session.save()

    assert disability_needs_recipient(session) == expected
    _enrol_with_needs(session)
    assert OutboxMail.objects.get(kind=Kind.DISABILITY_NEEDS).recipient == expected


def test_a_session_contact_without_address_is_named_in_the_mail_to_the_referent(
    django_capture_on_commit_callbacks, mailoutbox
):
    session = _session(disability_contact_email="handicap@croix-rouge.example.org")
    session.disability_contact_name = "Nora Accueil"
    session.disability_contact_phone = "0238000000"
    session.save()

    with django_capture_on_commit_callbacks(execute=True):
        _enrol_with_needs(session)

    [message] = [m for m in mailoutbox if m.to == ["handicap@croix-rouge.example.org"]]
    assert "n'a pas d'adresse e-mail\u00a0: ce message vous parvient à sa place" in message.body
    assert "Contact handicap de la session\u00a0: Nora Accueil, 02 38 00 00 00" in message.body
    assert "Nora Accueil, 02 38 00 00 00" in message.alternatives[0][0]


def test_the_referent_is_not_told_of_a_contact_with_an_address(
    django_capture_on_commit_callbacks, mailoutbox
):
    session = _session()
    session.disability_contact_name = "Nora Accueil"
    session.disability_contact_email = "nora@croix-rouge.example.org"
    session.save()

    with django_capture_on_commit_callbacks(execute=True):
        _enrol_with_needs(session)

    [message] = [m for m in mailoutbox if m.to == ["nora@croix-rouge.example.org"]]
    assert "à sa place" not in message.body

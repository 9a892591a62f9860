"""Publishing a session from the admin: one rule says what a session lacks
(session_missing_for_publication), session_publish refuses through it, the admin shows it on a
confirmation page before publishing; staff preview a session's public page before it is
public; cancelling a session is worded apart from cancelling an edit."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from catalogue.models import OpcoStaff, Session
from enrolment.models import Transition
from enrolment.session_services import session_missing_for_publication, session_publish
from enrolment.transitions import Actor
from tests.factories import (
    OpcoContactFactory,
    OpcoFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)

CHANGELIST = reverse("admin:catalogue_session_changelist")
STAFF = Actor.staff(None)


def change_url(session):
    return reverse("admin:catalogue_session_change", args=[session.pk])


def publish_url(session):
    return reverse("admin:catalogue_session_publish_sessions", args=[session.pk])


def preview_url(session):
    return reverse("admin:catalogue_session_preview", args=[session.pk])


@pytest.fixture
def bare(db):
    """A draft without address, days, OPCO contact, trainers or deadline."""
    return SessionFactory(
        status=Session.Status.DRAFT,
        venue_address="",
        opco_contact=None,
        opco=OpcoFactory(),  # the staff's programme, though it has no contact yet
        registration_deadline=None,
        days=[],
    )


@pytest.fixture
def complete(db):
    return SessionFactory(status=Session.Status.SUBMITTED, trainers=True)


# The rule


def test_an_incomplete_session_lacks_each_thing_in_words(bare):
    assert session_missing_for_publication(bare) == [
        "l'adresse du lieu",
        "au moins une journée",
        "l'interlocuteur OPCO",
        "les intervenants",
        "la date limite d'inscription",
    ]


def test_a_complete_session_lacks_nothing(complete):
    assert session_missing_for_publication(complete) == []


def test_a_blank_address_counts_as_missing(complete):
    complete.venue_address = "   "
    assert session_missing_for_publication(complete) == ["l'adresse du lieu"]


def test_publish_refuses_an_incomplete_session_and_says_what_it_lacks(db):
    session = SessionFactory(status=Session.Status.SUBMITTED, venue_address="")

    with pytest.raises(ValidationError) as refused:
        session_publish(session_id=session.pk, by=STAFF)

    message = " ".join(refused.value.messages)
    assert "l'adresse du lieu" in message and "les intervenants" in message
    session.refresh_from_db()
    assert session.status == Session.Status.SUBMITTED and session.published_at is None
    assert not Transition.objects.exists()


def test_publish_accepts_a_complete_session(complete):
    session_publish(session_id=complete.pk, by=STAFF)

    complete.refresh_from_db()
    assert complete.status == Session.Status.PUBLISHED and complete.published_at is not None


# The confirmation step


def test_publish_button_shows_what_is_missing_and_publishes_nothing(staff_client, bare):
    response = staff_client.post(publish_url(bare))

    assert response.status_code == 200
    page = response.content.decode()
    for missing in session_missing_for_publication(bare):
        assert escape(missing) in page
    assert 'name="confirm"' not in page  # nothing to confirm
    bare.refresh_from_db()
    assert bare.status == Session.Status.DRAFT


def test_publish_button_asks_for_confirmation_then_publishes(staff_client, complete):
    confirmation = staff_client.post(publish_url(complete))

    assert confirmation.status_code == 200
    page = confirmation.content.decode()
    assert "prête à être publiée" in page
    assert "jamais publiée" in page  # a provider's new session
    complete.refresh_from_db()
    assert complete.status == Session.Status.SUBMITTED

    response = staff_client.post(
        publish_url(complete),
        {"action": "publish_sessions", ACTION_CHECKBOX_NAME: [complete.pk], "confirm": "yes"},
    )

    assert response.status_code == 302 and response.url == change_url(complete)
    complete.refresh_from_db()
    assert complete.status == Session.Status.PUBLISHED


def test_list_action_publishes_the_complete_and_refuses_the_incomplete(
    staff_client, complete, bare
):
    selection = {"action": "publish_sessions", ACTION_CHECKBOX_NAME: [complete.pk, bare.pk]}
    confirmation = staff_client.post(CHANGELIST, selection)

    assert confirmation.status_code == 200
    # Only the complete session is carried to the confirmation.
    assert confirmation.context["ready"] == [complete]

    # A confirmation forged with both: the service refuses the incomplete one.
    response = staff_client.post(CHANGELIST, {**selection, "confirm": "yes"}, follow=True)

    complete.refresh_from_db()
    bare.refresh_from_db()
    assert complete.status == Session.Status.PUBLISHED
    assert bare.status == Session.Status.DRAFT
    page = response.content.decode()
    assert "1 session publiée." in page
    assert escape("l'interlocuteur OPCO") in page


def test_publish_is_refused_without_the_change_permission(client, complete):
    # A staff member of the session's OPCO, so the session is in their programme, who may only
    # look at sessions: the publication itself is what is refused.
    viewer = UserFactory(is_staff=True)
    OpcoStaff.objects.create(user=viewer, opco=complete.opco)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_session", content_type__app_label="catalogue")
    )
    client.force_login(viewer)
    assert client.get(change_url(complete)).status_code == 200

    response = client.post(
        publish_url(complete),
        {"action": "publish_sessions", ACTION_CHECKBOX_NAME: [complete.pk], "confirm": "yes"},
    )

    assert response.status_code == 403
    complete.refresh_from_db()
    assert complete.status == Session.Status.SUBMITTED
    assert not Transition.objects.filter(session=complete).exists()


# The preview


def test_staff_preview_a_draft_as_its_public_page_will_show_it(staff_client, bare):
    response = staff_client.get(preview_url(bare))

    assert response.status_code == 200
    assert "catalogue/session_detail.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert bare.label in page
    assert "Aperçu réservé à l'équipe" in page
    assert 'content="noindex"' in page
    assert "no-store" in response["Cache-Control"]
    # The public page itself answers 404 for it.
    assert staff_client.get(bare.get_absolute_url()).status_code == 404


def test_preview_shows_registration_as_it_will_be_once_published(staff_client, complete):
    page = staff_client.get(preview_url(complete)).content.decode().replace("&#x27;", "'")

    assert "S'inscrire" in page
    assert "Inscriptions closes" not in page
    complete.refresh_from_db()
    assert complete.status == Session.Status.SUBMITTED  # nothing saved


def test_preview_is_for_staff_only(client, complete):
    assert client.get(preview_url(complete)).status_code == 302  # to the admin's login

    client.force_login(UserFactory())  # not staff
    assert client.get(preview_url(complete)).status_code == 302

    client.force_login(UserFactory(is_staff=True))  # staff without the view permission
    assert client.get(preview_url(complete)).status_code in (403, 404)


def test_preview_of_an_unknown_session_is_404(staff_client, db):
    assert staff_client.get(reverse("admin:catalogue_session_preview", args=[0])).status_code == 404


def test_draft_page_links_to_its_preview_not_to_a_public_page(staff_client, bare):
    page = staff_client.get(change_url(bare)).content.decode()
    assert preview_url(bare) in page
    assert "Voir sur le site" not in page


def test_published_page_links_to_its_public_page(staff_client, complete):
    session_publish(session_id=complete.pk, by=STAFF)
    assert "Voir sur le site" in staff_client.get(change_url(complete)).content.decode()


# Cancelling


def test_cancelling_the_session_is_worded_apart_from_cancelling_an_edit(staff_client, complete):
    page = staff_client.get(change_url(complete)).content.decode()
    assert "Annuler la session (prévenir les stagiaires)" in page

    confirmation = staff_client.post(
        reverse("admin:catalogue_session_cancel_sessions", args=[complete.pk])
    )

    page = confirmation.content.decode()
    assert "Annuler la session (prévenir les stagiaires)" in page
    assert "Oui, annuler cette session et prévenir ses stagiaires" in page
    complete.refresh_from_db()
    assert complete.status == Session.Status.SUBMITTED


def test_a_providers_new_session_says_it_was_never_published(staff_client, complete):
    page = staff_client.get(change_url(complete)).content.decode()
    assert "Nouvelle session proposée par l'organisme, jamais publiée" in page.replace(
        "&#x27;", "'"
    )


def test_another_opcos_session_has_no_preview_and_cannot_be_published(staff_client):
    uniformation = OpcoFactory(name="Uniformation", slug="uniformation")
    theirs = SessionFactory(
        status=Session.Status.SUBMITTED,
        opco_contact=OpcoContactFactory(opco=uniformation),
        provider=ProviderFactory(opco=uniformation),
        trainers=True,
    )

    assert staff_client.get(preview_url(theirs)).status_code == 404
    staff_client.post(
        CHANGELIST,
        {"action": "publish_sessions", ACTION_CHECKBOX_NAME: [theirs.pk], "confirm": "yes"},
    )
    theirs.refresh_from_db()
    assert theirs.status == Session.Status.SUBMITTED


def test_publish_says_whether_it_changed_anything(complete):
    session, published = session_publish(session_id=complete.pk, by=STAFF)
    assert published and session.status == Session.Status.PUBLISHED

    _session, published = session_publish(session_id=complete.pk, by=STAFF)
    assert not published
    assert Transition.objects.filter(session=complete).count() == 1


def test_a_forged_or_second_confirmation_counts_no_session_already_published(
    staff_client, complete
):
    session_publish(session_id=complete.pk, by=STAFF)  # another user, meanwhile
    response = staff_client.post(
        CHANGELIST,
        {"action": "publish_sessions", ACTION_CHECKBOX_NAME: [complete.pk], "confirm": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert not any("publiée" in message for message in messages), messages

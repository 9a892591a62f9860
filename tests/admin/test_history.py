"""The status history on the admin's session and enrolment pages, and the read-only list of
every status change."""

import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.admin.transitions import actor_label
from catalogue.models import Session
from enrolment.models import Enrolment, Transition
from enrolment.transitions import Actor, transition_record
from tests.admin.test_session_admin import ADD, new_session_data
from tests.enrolment.helpers import enrol, practice_declaration
from tests.factories import (
    EnrolmentFactory,
    OpcoContactFactory,
    PrerequisiteModuleFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
TRANSITIONS = reverse("admin:enrolment_transition_changelist")


def enrolment_url(enrolment):
    return reverse("admin:enrolment_enrolment_change", args=[enrolment.pk])


def session_url(session):
    return reverse("admin:catalogue_session_change", args=[session.pk])


def button_url(obj, action):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=[obj.pk])


class HistoryTable(HTMLParser):
    """The history table of a page: its caption, header cells (with their scope) and rows of
    cell texts."""

    def __init__(self, html):
        super().__init__()
        self.found = False
        self.caption = ""
        self.headers = []
        self.rows = []
        self._in_table = self._in_caption = False
        self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("class") == "transition-history":
            self.found = self._in_table = True
        elif not self._in_table:
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = ""
            if tag == "th":
                self.headers.append(attrs.get("scope"))

    def handle_endtag(self, tag):
        if not self._in_table:
            return
        if tag == "table":
            self._in_table = False
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td"):
            self.rows[-1].append(" ".join(self._cell.split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.caption += data
        elif self._cell is not None:
            self._cell += data


def history(response):
    assert response.status_code == 200
    table = HistoryTable(response.content.decode())
    assert table.found, "no history table on the page"
    return table


def test_a_validation_by_staff_shows_in_the_enrolment_history(staff_client, staff_user):
    session = SessionFactory(module=PrerequisiteModuleFactory())
    enrolment = enrol(session, declaration=practice_declaration()).enrolment

    response = staff_client.post(button_url(enrolment, "validate_enrolments"))
    assert response.status_code == 302

    table = history(staff_client.get(enrolment_url(enrolment)))
    assert table.rows[0] == ["Date", "Changement", "Par", "Motif"]
    created, confirmed, validated = table.rows[1:]
    assert created[1:] == ["création → Adresse à confirmer", "Stagiaire (lien personnel)", ""]
    assert confirmed[1:] == ["Adresse à confirmer → À valider", "Stagiaire (lien personnel)", ""]
    assert validated[1:] == [
        "À valider → Confirmée",
        f"{staff_user.get_full_name()} (Gestionnaire OPCO)",
        "",
    ]
    at = Transition.objects.get(to_status="confirmed").at.astimezone(PARIS)
    assert validated[0] == f"{at:%d/%m/%Y %H:%M}"


def test_history_is_an_accessible_table_oldest_first_in_paris_time(staff_client, staff_user):
    enrolment = EnrolmentFactory(status=Enrolment.Status.REFUSED)
    # Written out of order: the page sorts by time.
    later = transition_record(
        session=enrolment.session,
        enrolment=enrolment,
        from_status="pending",
        to_status="refused",
        by=Actor.staff(staff_user),
        reason="Module 1 non suivi.\nÀ revoir l'an prochain.",
    )
    later.at = datetime.datetime(2031, 1, 10, 8, 5, tzinfo=datetime.UTC)
    later.save()
    first = transition_record(
        session=enrolment.session, enrolment=enrolment, to_status="pending", by=Actor.trainee()
    )
    first.at = datetime.datetime(2030, 7, 1, 22, 30, tzinfo=datetime.UTC)
    first.save()

    table = history(staff_client.get(enrolment_url(enrolment)))

    assert table.caption == "Statuts de l'inscription, du plus ancien au plus récent"
    # Four column headers, then one row header (the date) per line.
    assert table.headers == ["col"] * 4 + ["row"] * 2
    assert [row[:2] for row in table.rows[1:]] == [
        ["02/07/2030 00:30", "création → À valider"],
        ["10/01/2031 09:05", "À valider → Refusée"],
    ]
    assert table.rows[2][3] == "Module 1 non suivi.À revoir l'an prochain."
    html = staff_client.get(enrolment_url(enrolment)).content.decode()
    assert '<time datetime="2031-01-10T09:05:00+01:00">' in html


def test_staff_cancellation_from_the_admin_is_logged_and_shown(staff_client, staff_user):
    enrolment = EnrolmentFactory()

    staff_client.post(
        reverse("admin:enrolment_enrolment_changelist"),
        {"action": "cancel_enrolments", "index": "0", "_selected_action": [enrolment.pk]},
    )

    transition = Transition.objects.get(enrolment=enrolment)
    assert (transition.from_status, transition.to_status) == ("confirmed", "cancelled")
    assert (transition.actor_kind, transition.actor) == ("staff", staff_user)
    rows = history(staff_client.get(enrolment_url(enrolment))).rows
    assert rows[1][1:3] == [
        "Confirmée → Annulée",
        f"{staff_user.get_full_name()} (Gestionnaire OPCO)",
    ]


def test_session_page_shows_its_own_changes_made_in_the_admin(staff_client, staff_user):
    day = datetime.date(2031, 6, 5)
    data = new_session_data(staff_client, deadline=day - datetime.timedelta(days=30), day=day)
    assert staff_client.post(ADD, data).status_code == 302
    session = Session.objects.get()
    enrolment = EnrolmentFactory(session=session)
    # What the form left out, that publishing needs.
    Session.objects.filter(pk=session.pk).update(
        venue_address="12 rue de la Formation", opco_contact=OpcoContactFactory()
    )
    session.trainers.add(TrainerFactory(provider=session.provider))

    staff_client.post(
        button_url(session, "publish_sessions"),
        {"action": "publish_sessions", "_selected_action": [session.pk], "confirm": "yes"},
    )
    staff_client.post(
        button_url(session, "cancel_sessions"),
        {
            "action": "cancel_sessions",
            "_selected_action": [session.pk],
            "confirm": "yes",
            "reason": "Salle indisponible",
        },
    )

    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    table = history(staff_client.get(session_url(session)))
    assert table.caption == "Statuts de la session, du plus ancien au plus récent"
    who = f"{staff_user.get_full_name()} (Gestionnaire OPCO)"
    assert [row[1:] for row in table.rows[1:]] == [
        ["création → Brouillon", who, ""],
        ["Brouillon → Publiée", who, ""],
        ["Publiée → Annulée", who, "Salle indisponible"],
    ]
    # The enrolment's own cancellation is on its page, not the session's.
    rows = history(staff_client.get(enrolment_url(enrolment))).rows
    assert [row[1:] for row in rows[1:]] == [["Confirmée → Annulée", who, "Session annulée"]]


def test_a_failed_validation_writes_nothing_in_the_history(staff_client):
    enrolment = EnrolmentFactory(status=Enrolment.Status.CONFIRMED)

    response = staff_client.post(button_url(enrolment, "validate_enrolments"), follow=True)

    assert "Seule une inscription à valider peut être validée." in response.content.decode()
    assert not Transition.objects.exists()
    page = staff_client.get(enrolment_url(enrolment)).content.decode()
    assert "Aucun changement de statut enregistré." in page


def _enrolment_page_queries(client, enrolment):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(enrolment_url(enrolment))
    assert response.status_code == 200
    return len(queries)


def test_enrolment_page_query_count_does_not_grow_with_its_history(staff_client):
    enrolment = EnrolmentFactory(status=Enrolment.Status.WAITLISTED)
    transition_record(
        session=enrolment.session, enrolment=enrolment, to_status="waitlisted", by=Actor.trainee()
    )
    one = _enrolment_page_queries(staff_client, enrolment)

    for status in ("confirmed", "waitlisted") * 4:
        # A different account each time: each would be a query without select_related.
        transition_record(
            session=enrolment.session,
            enrolment=enrolment,
            from_status="waitlisted",
            to_status=status,
            by=Actor.staff(UserFactory()),
        )
    many = _enrolment_page_queries(staff_client, enrolment)

    assert len(history(staff_client.get(enrolment_url(enrolment))).rows) == 1 + 9
    assert many == one


def test_who_reads_the_account_the_link_or_the_job():
    session = SessionFactory()
    member = UserFactory(first_name="", last_name="", email="ines@organisme.example.org")
    gone = transition_record(session=session, to_status="draft", by=Actor.staff(UserFactory()))
    gone.actor = None

    assert actor_label(
        transition_record(session=session, to_status="draft", by=Actor.provider(member))
    ) == ("ines@organisme.example.org (Organisme de formation)")
    assert actor_label(gone) == "Gestionnaire OPCO (compte supprimé)"
    assert (
        actor_label(
            transition_record(session=session, to_status="draft", by=Actor.job("offers_expire"))
        )
        == "Tâche automatique : offers_expire"
    )


@pytest.fixture
def logged_changes(staff_user):
    orleans = SessionFactory(city="Orléans", label="Groupe 1")
    tours = SessionFactory(city="Tours", label="Groupe 2")
    enrolment = EnrolmentFactory(session=orleans)
    return {
        "orleans_session": transition_record(
            session=orleans, from_status="draft", to_status="published", by=Actor.staff(staff_user)
        ),
        "orleans_enrolment": transition_record(
            session=orleans, enrolment=enrolment, to_status="confirmed", by=Actor.trainee()
        ),
        "tours_session": transition_record(
            session=tours,
            from_status="published",
            to_status="cancelled",
            by=Actor.staff(staff_user),
        ),
    }


def listed(response):
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor_kind__exact": "trainee"}, {"orleans_enrolment"}),
        ({"actor_kind__exact": "staff"}, {"orleans_session", "tours_session"}),
        ({"statut": "session:cancelled"}, {"tours_session"}),
        ({"statut": "inscription:confirmed"}, {"orleans_enrolment"}),
        ({"statut": "inscription:cancelled"}, set()),
        ({"q": "Tours"}, {"tours_session"}),
        ({"q": "Groupe 1"}, {"orleans_session", "orleans_enrolment"}),
    ],
)
def test_transition_list_filters_by_actor_and_status_and_searches_sessions(
    staff_client, logged_changes, query, expected
):
    response = staff_client.get(TRANSITIONS, query)

    assert listed(response) == {logged_changes[name] for name in expected}


def test_transition_list_query_count_does_not_grow_with_rows(staff_client, logged_changes):
    with CaptureQueriesContext(connection) as few:
        staff_client.get(TRANSITIONS)
    session = SessionFactory()
    for _ in range(5):
        enrolment = EnrolmentFactory(session=session)
        transition_record(
            session=session,
            enrolment=enrolment,
            to_status="confirmed",
            by=Actor.staff(UserFactory()),
        )
    with CaptureQueriesContext(connection) as more:
        response = staff_client.get(TRANSITIONS)

    assert len(listed(response)) == 8
    assert len(more) == len(few)


def test_staff_can_read_a_transition_but_not_add_change_or_delete_one(staff_client, logged_changes):
    transition = logged_changes["orleans_enrolment"]
    change = reverse("admin:enrolment_transition_change", args=[transition.pk])
    delete = reverse("admin:enrolment_transition_delete", args=[transition.pk])

    page = staff_client.get(change)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert b'name="_save"' not in page.content
    assert delete.encode() not in page.content
    assert staff_client.get(reverse("admin:enrolment_transition_add")).status_code == 403
    assert staff_client.post(change, {"reason": "Réécrit"}).status_code == 403
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    # No action at all on the list: "delete selected" was the only one.
    assert staff_client.get(TRANSITIONS).context["action_form"] is None
    transition.refresh_from_db()
    assert transition.reason == ""
    # Nothing done here, nothing in the admin's own history about transitions.
    assert not LogEntry.objects.filter(content_type__model="transition").exists()


def test_a_draft_session_can_still_be_deleted_with_its_log(staff_client):
    day = datetime.date(2031, 6, 5)
    data = new_session_data(staff_client, deadline=day - datetime.timedelta(days=30), day=day)
    staff_client.post(ADD, data)
    session = Session.objects.get()
    assert Transition.objects.filter(session=session).count() == 1

    response = staff_client.post(
        reverse("admin:catalogue_session_delete", args=[session.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Session.objects.exists()
    assert not Transition.objects.exists()


def test_a_cancelled_enrolment_and_its_trainee_can_still_be_deleted_with_their_log(
    staff_client,
):
    enrolment = EnrolmentFactory()
    staff_client.post(
        reverse("admin:enrolment_enrolment_changelist"),
        {"action": "cancel_enrolments", "index": "0", "_selected_action": [enrolment.pk]},
    )
    assert Transition.objects.filter(enrolment=enrolment).exists()

    response = staff_client.post(
        reverse("admin:enrolment_trainee_delete", args=[enrolment.trainee_id]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Enrolment.objects.exists()
    assert not Transition.objects.exists()

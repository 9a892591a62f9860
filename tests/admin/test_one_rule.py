"""One rule, one function (README): "under the minimum" says the same in the admin's list and
filter, the dashboard, the export, the providers' space and the jobs; the fill's text and the
times are written once (catalogue.formats)."""

import datetime

import pytest
from django.urls import reverse

from backoffice.charts import short_day
from backoffice.dashboard_selectors import dashboard
from catalogue.formats import fill_text, long_date, short_date, time_text
from catalogue.models import Session
from catalogue.templatetags.catalogue_extras import heure
from enrolment.exports import SESSION_EXPORT_COLUMNS, sessions_with_fill
from enrolment.job_selectors import session_counts
from enrolment.models import Enrolment
from enrolment.selectors import minimum_counts, status_counts, under_minimum_q
from providers.selectors import space_attention, space_sessions
from tests.factories import EnrolmentFactory, SessionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalogue_session_changelist")
Status = Enrolment.Status


@pytest.fixture
def five_and_a_hold():
    """Minimum 6: five confirmed trainees and one unconfirmed hold (it holds a seat, but the
    minimum counts confirmed and pending trainees only). Registration closes in 9 days."""
    session = SessionFactory(starts_in=30, capacity=12, min_participants=6)
    EnrolmentFactory.create_batch(5, session=session, status=Status.CONFIRMED)
    EnrolmentFactory(session=session, status=Status.UNCONFIRMED)
    return session


@pytest.fixture
def six_confirmed():
    session = SessionFactory(starts_in=31, capacity=12, min_participants=6)
    EnrolmentFactory.create_batch(5, session=session, status=Status.CONFIRMED)
    EnrolmentFactory(session=session, status=Status.PENDING)
    return session


def test_under_minimum_says_the_same_everywhere(
    national_client, national_user, five_and_a_hold, six_confirmed
):
    under, enough = five_and_a_hold, six_confirmed

    # The jobs (and the mails they send).
    assert session_counts(under).seats_held == 6
    assert session_counts(under).under_minimum
    assert not session_counts(enough).under_minimum

    # The SQL filter, on the join counts and on the subqueries.
    for counts in (status_counts(), minimum_counts()):
        found = Session.objects.annotate(**counts).filter(under_minimum_q())
        assert list(found) == [under]

    # The admin's filter and fill column.
    result = list(
        national_client.get(CHANGELIST, {"remplissage": "sous-minimum"}).context["cl"].result_list
    )
    assert result == [under]
    page = national_client.get(CHANGELIST, {"id__in": str(under.pk)}).content.decode()
    assert "6 / 12 · min 6" in page
    assert "fill-flag--under" in page
    page = national_client.get(CHANGELIST, {"id__in": str(enough.pk)}).content.decode()
    assert "6 / 12 · min 6" in page
    assert "fill-flag--under" not in page

    # The dashboard.
    figures = dashboard(user=national_user)
    assert figures.under_minimum == [under]
    html = national_client.get("/admin/tableau-de-bord/").content.decode()
    assert "6 / 12 · min 6 · <strong>sous le minimum</strong>" in html

    # The export.
    header = [str(column.header) for column in SESSION_EXPORT_COLUMNS]
    column = SESSION_EXPORT_COLUMNS[header.index("Sous le minimum")]
    exported = {
        s.pk: column.value(s)
        for s in sessions_with_fill(Session.objects.filter(pk__in=[under.pk, enough.pk]))
    }
    assert exported == {under.pk: "oui", enough.pk: "non"}

    # The providers' space.
    attention = space_attention(space_sessions(providers=[under.provider, enough.provider]))
    assert attention.under_minimum == [under]


def test_fill_text_is_written_once():
    assert fill_text(held=9, capacity=12, minimum=6) == "9 / 12 · min 6"
    assert fill_text(held=9, capacity=12, minimum=0) == "9 / 12"


def test_times_are_written_as_the_fiche_writes_them_with_non_breaking_spaces():
    assert time_text(datetime.time(9)) == "9\u00a0h"
    assert time_text(datetime.time(13, 30)) == "13\u00a0h\u00a030"
    assert time_text(datetime.time(9, 5)) == "9\u00a0h\u00a005"
    assert heure(datetime.time(13, 30)) == time_text(datetime.time(13, 30))
    assert heure(None) == ""


def test_the_first_of_the_month_is_1er_everywhere():
    first = datetime.date(2031, 1, 1)
    assert long_date(first) == "mercredi 1er janvier 2031"
    assert short_date(first) == "1er janvier 2031"
    assert short_day(first) == "1er janv."
    assert short_day(datetime.date(2031, 3, 12)) == "12 mars"


def test_read_only_admins_say_it_once(rf):
    from django.contrib import admin

    from backoffice.admin.readonly import ReadOnlyAdminMixin
    from enrolment.models import StaffMessage, Transition
    from outbox.models import OutboxMail
    from tests.factories import UserFactory

    request = rf.get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    for model in (Transition, StaffMessage):
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, ReadOnlyAdminMixin)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert model_admin.has_view_permission(request)
    outbox = admin.site._registry[OutboxMail]
    assert not outbox.has_add_permission(request)
    assert not outbox.has_change_permission(request)
    assert outbox.has_delete_permission(request)  # deletable: staff may clean up

"""Session days in year 1 or 9999 broke the public page (OverflowError), the .ics and the
confirmation mail: dates are bounded to 2000-01-01 .. 2100-12-31 by the models' validation and
by the lifecycle's rules, which the admin's forms and the services both call."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalogue.models import Session, SessionDay
from enrolment.session_services import day_check, session_change, session_check, session_create
from enrolment.transitions import Actor
from tests.admin.formdata import admin_form_data
from tests.factories import ModuleFactory, ProviderFactory, SessionDayFactory, SessionFactory

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = [datetime.date(1, 1, 1), datetime.date(1999, 12, 31), datetime.date(2101, 1, 1)]
OUT_OF_RANGE += [datetime.date(9999, 12, 31)]
BOUNDS = [datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)]
ADD = reverse("admin:catalogue_session_add")


@pytest.mark.parametrize("date", OUT_OF_RANGE)
def test_day_check_refuses_a_date_out_of_range(date):
    with pytest.raises(ValidationError) as error:
        day_check(date=date, deadline=None)
    assert list(error.value.message_dict) == ["date"]
    assert "2000" in error.value.message_dict["date"][0]


@pytest.mark.parametrize("date", BOUNDS)
def test_day_check_accepts_the_bounds(date):
    day_check(date=date, deadline=None)


@pytest.mark.parametrize("deadline", OUT_OF_RANGE)
def test_session_check_refuses_a_deadline_out_of_range(deadline):
    with pytest.raises(ValidationError) as error:
        session_check(status=Session.Status.DRAFT, deadline=deadline, dates=[])
    assert list(error.value.message_dict) == ["registration_deadline"]


@pytest.mark.parametrize("date", OUT_OF_RANGE)
def test_session_check_refuses_a_day_out_of_range(date):
    with pytest.raises(ValidationError) as error:
        session_check(status=Session.Status.DRAFT, deadline=None, dates=[date])
    assert list(error.value.message_dict) == ["days"]


@pytest.mark.parametrize("date", OUT_OF_RANGE)
def test_models_refuse_dates_out_of_range(date):
    session = SessionFactory(registration_deadline=None, days=[])
    day = SessionDayFactory.build(session=session, date=date)
    with pytest.raises(ValidationError) as error:
        day.full_clean()
    assert "date" in error.value.message_dict

    session.registration_deadline = date
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert "registration_deadline" in error.value.message_dict


def _fields(**overrides):
    return {
        "module": ModuleFactory(),
        "provider": ProviderFactory(),
        "label": "Groupe 1",
        "city": "Tours",
        "postcode": "37000",
        "department": "37",
        "region": "Centre-Val de Loire",
        "capacity": 12,
        "min_participants": 0,
        **overrides,
    }


def _day(date):
    return {"date": date, "morning_start": datetime.time(9), "morning_end": datetime.time(12)}


@pytest.mark.parametrize("date", [datetime.date(1, 1, 1), datetime.date(9999, 12, 31)])
def test_session_create_refuses_a_day_out_of_range_and_saves_nothing(staff_user, date):
    with pytest.raises(ValidationError):
        session_create(fields=_fields(), days=[_day(date)], by=Actor.staff(staff_user))

    assert not Session.objects.exists()
    assert not SessionDay.objects.exists()


def test_session_change_refuses_a_day_out_of_range(staff_user):
    session = SessionFactory()
    dates = [day.date for day in session.sorted_days]

    with pytest.raises(ValidationError):
        session_change(
            session_id=session.pk,
            fields={},
            days=[_day(datetime.date(9999, 12, 31))],
            by=Actor.staff(staff_user),
        )

    assert [day.date for day in session.sorted_days] == dates


def _new_session_data(staff_client, *, deadline, day):
    data = admin_form_data(staff_client.get(ADD))
    data.update(
        {
            "module": ModuleFactory(number=1).pk,
            "provider": ProviderFactory().pk,
            "label": "Groupe 3",
            "city": "Tours",
            "postcode": "37000",
            "department": "37",
            "region": "Centre-Val de Loire",
            "capacity": 12,
            "min_participants": 6,
            "registration_deadline": deadline or "",
            "days-0-date": day,
            "days-0-morning_start": "09:00",
            "days-0-morning_end": "12:30",
        }
    )
    return data


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "01/01/0001", "31/12/9999"])
def test_admin_refuses_a_day_out_of_range_next_to_its_field(staff_client, day):
    response = staff_client.post(ADD, _new_session_data(staff_client, deadline=None, day=day))

    assert response.status_code == 200
    days_formset = response.context["inline_admin_formsets"][0].formset
    assert "date" in days_formset.forms[0].errors
    assert not Session.objects.exists()


@pytest.mark.parametrize("deadline", ["0001-01-01", "9999-12-31"])
def test_admin_refuses_a_deadline_out_of_range(staff_client, deadline):
    data = _new_session_data(staff_client, deadline=deadline, day="2031-06-05")

    response = staff_client.post(ADD, data)

    assert response.status_code == 200
    assert "registration_deadline" in response.context["adminform"].form.errors
    assert not Session.objects.exists()


def test_admin_single_day_page_refuses_a_date_out_of_range(staff_client):
    session = SessionFactory()
    day = session.sorted_days[0]
    url = reverse("admin:catalogue_sessionday_change", args=[day.pk])
    data = admin_form_data(staff_client.get(url))
    data["date"] = "9999-12-31"

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "date" in response.context["adminform"].form.errors
    day.refresh_from_db()
    assert day.date != datetime.date(9999, 12, 31)


def test_session_within_bounds_has_its_page_and_calendar(client):
    session = SessionFactory(registration_deadline=None, days=[datetime.date(2100, 12, 31)])

    assert client.get(reverse("catalogue:session_detail", args=[session.pk])).status_code == 200
    assert client.get(reverse("catalogue:session_ics", args=[session.pk])).status_code == 200

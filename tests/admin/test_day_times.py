"""A day's times are shown as French writes them, "9 h 00", in the admin's session form and the
providers' space, and read back in that form or as people type them ("9h", "9:00", "13h30")."""

import datetime

import pytest
from django import forms
from django.urls import reverse

from catalogue.widgets import TIME_INPUT_FORMATS, FrenchTimeInput
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


class TimeForm(forms.Form):
    at = forms.TimeField(input_formats=TIME_INPUT_FORMATS, widget=FrenchTimeInput())


@pytest.mark.parametrize(
    ("typed", "time"),
    [
        ("9 h 00", datetime.time(9, 0)),
        ("9\u00a0h\u00a030", datetime.time(9, 30)),
        ("9h", datetime.time(9, 0)),
        ("9 h", datetime.time(9, 0)),
        ("9:00", datetime.time(9, 0)),
        ("13h30", datetime.time(13, 30)),
        ("17:00:00", datetime.time(17, 0)),
    ],
)
def test_a_time_is_read_as_people_type_it(typed, time):
    form = TimeForm({"at": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["at"] == time


def test_a_time_is_shown_without_its_leading_zero_and_an_error_keeps_what_was_typed():
    assert 'value="9 h 05"' in str(TimeForm(initial={"at": datetime.time(9, 5)})["at"])
    assert 'type="text"' in str(TimeForm()["at"])
    form = TimeForm({"at": "neuf heures"})
    assert not form.is_valid()
    assert 'value="neuf heures"' in str(form["at"])


def test_the_admin_prefills_the_usual_hours_as_9_h_00(staff_client):
    page = staff_client.get(reverse("admin:catalogue_session_add")).content.decode()

    assert 'name="days-0-morning_start" value="9 h 00"' in page
    assert 'name="days-0-morning_end" value="12 h 30"' in page
    assert 'name="days-0-afternoon_start" value="13 h 30"' in page
    assert 'name="days-0-afternoon_end" value="17 h 00"' in page


def test_the_admin_shows_a_sessions_days_as_9_h_00(staff_client):
    session = SessionFactory()
    page = staff_client.get(
        reverse("admin:catalogue_session_change", args=[session.pk])
    ).content.decode()

    assert 'name="days-0-morning_start" value="9 h 00"' in page
    assert 'value="09:00"' not in page

"""The satisfaction questionnaire: mailed the day after the last day to the confirmed trainees
(those present, once attendance is recorded), answered once from the personal link, read by
staff in aggregate."""

import pytest
from django.urls import reverse

from enrolment.links import enrolment_token
from enrolment.mails import MailKind
from enrolment.models import Attendance, SatisfactionResponse
from enrolment.tasks import send_satisfaction_questionnaires
from tests.factories import EnrolmentFactory

from .helpers import FIRST_DAY, LAST_DAY, at, days, frozen, mails, recipients, session

pytestmark = pytest.mark.django_db

ANSWERS = {
    "objectives": "5",
    "content": "4",
    "facilitation": "5",
    "organisation": "3",
    "usefulness": "4",
    "would_recommend": "oui",
    "comment": "  Très concret, merci.  ",
}


def _answer(enrolment, **ratings):
    values = {
        "objectives": 4,
        "content": 4,
        "facilitation": 4,
        "organisation": 4,
        "usefulness": 4,
        "would_recommend": True,
        **ratings,
    }
    return SatisfactionResponse.objects.create(enrolment=enrolment, **values)


def _url(enrolment):
    return reverse("enrolment:satisfaction", args=[enrolment_token(enrolment)])


def test_questionnaire_goes_the_day_after_the_last_day_to_confirmed_trainees_once(run, mailoutbox):
    ended = session()
    confirmed = EnrolmentFactory(session=ended)
    answered = EnrolmentFactory(session=ended)
    _answer(answered)
    EnrolmentFactory(session=ended, status="cancelled")
    EnrolmentFactory(session=ended, status="waitlisted")

    with frozen(at(LAST_DAY, 18)):
        assert run(send_satisfaction_questionnaires) == 0
    with frozen(at(LAST_DAY + days(1), 10)):
        assert run(send_satisfaction_questionnaires) == 1
        assert run(send_satisfaction_questionnaires) == 0
    with frozen(at(LAST_DAY + days(15), 10)):
        late = EnrolmentFactory(session=ended)
        assert run(send_satisfaction_questionnaires) == 0

    assert recipients(mailoutbox) == [confirmed.trainee.email]
    message = mailoutbox[0]
    assert message.subject.startswith("Votre avis sur la formation – ")
    assert "/evaluation/" in message.body
    assert late.trainee.email not in recipients(mailoutbox)


def test_once_attendance_is_recorded_only_those_present_get_the_questionnaire(run):
    ended = session()
    present, absent, unrecorded = (EnrolmentFactory(session=ended) for _ in range(3))
    first_day = ended.days.get(date=FIRST_DAY)
    Attendance.objects.create(enrolment=present, day=first_day, half_day="am", status="absent")
    Attendance.objects.create(enrolment=present, day=first_day, half_day="pm", status="present")
    Attendance.objects.create(enrolment=absent, day=first_day, half_day="am", status="absent")

    with frozen(at(LAST_DAY + days(1), 10)):
        run(send_satisfaction_questionnaires)

    assert list(mails(MailKind.SATISFACTION).values_list("enrolment", flat=True)) == [present.pk]
    assert unrecorded.pk not in mails().values_list("enrolment", flat=True)


def test_questionnaire_page_has_radio_groups_in_fieldsets_and_records_one_answer(client):
    ended = session()
    enrolment = EnrolmentFactory(session=ended)

    with frozen(at(LAST_DAY + days(1), 10)):
        page = client.get(_url(enrolment))
        html = page.content.decode()
        assert page.status_code == 200
        assert html.count("<fieldset") == 6
        assert (
            "<legend" in html
            and "Les objectifs de la formation ont-ils été atteints\u00a0?" in html
        )
        assert 'type="radio" name="objectives"' in html
        assert "5 – Très satisfait(e)" in html

        response = client.post(_url(enrolment), ANSWERS)
        assert response.status_code == 302
        again = client.get(_url(enrolment))
        second_post = client.post(_url(enrolment), {**ANSWERS, "objectives": "1"})

    answer = SatisfactionResponse.objects.get()
    assert answer.enrolment == enrolment
    assert (answer.objectives, answer.organisation, answer.would_recommend) == (5, 3, True)
    assert answer.comment == "Très concret, merci."
    assert "Merci pour votre avis" in again.content.decode()
    assert second_post.status_code == 200
    assert SatisfactionResponse.objects.get().objectives == 5


def test_incomplete_answers_show_the_errors_and_record_nothing(client):
    enrolment = EnrolmentFactory(session=session())

    with frozen(at(LAST_DAY + days(1), 10)):
        response = client.post(_url(enrolment), {**ANSWERS, "content": "", "objectives": "9"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="erreurs"' in html
    assert 'href="#id_content_0"' in html
    assert not SatisfactionResponse.objects.exists()


def test_questionnaire_is_closed_before_the_last_day_and_to_trainees_not_confirmed(client):
    ended = session()
    confirmed = EnrolmentFactory(session=ended)
    pending = EnrolmentFactory(session=ended, status="pending")

    with frozen(at(FIRST_DAY, 10)):
        early = client.post(_url(confirmed), ANSWERS)
    with frozen(at(LAST_DAY + days(1), 10)):
        not_confirmed = client.post(_url(pending), ANSWERS)

    assert "Le questionnaire s'ouvre le dernier jour" in early.content.decode()
    assert "réservé aux stagiaires" in not_confirmed.content.decode()
    assert not SatisfactionResponse.objects.exists()


def test_staff_see_the_averages_on_the_session_page_of_the_admin(admin_client):
    ended = session()
    _answer(EnrolmentFactory(session=ended), objectives=5, would_recommend=True)
    _answer(EnrolmentFactory(session=ended), objectives=4, would_recommend=False)
    _answer(EnrolmentFactory(session=session()), objectives=1)

    page = admin_client.get(reverse("admin:catalogue_session_change", args=[ended.pk]))

    html = page.content.decode()
    assert "2 réponses" in html
    assert "objectifs atteints</th><td>4,5 / 5" in html
    assert "<td>50 %</td>" in html

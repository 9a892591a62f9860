"""The personal link is mailed again on request (the link form, a second enrolment with the
same address), at most once a day per enrolment: anyone can ask, and asking must not flood
the address."""

import datetime

import pytest
from django.utils import timezone

from enrolment import services
from enrolment.mails import MailKind
from outbox.models import OutboxMail
from tests.factories import EnrolmentFactory, SessionFactory

from .helpers import enrol

pytestmark = pytest.mark.django_db


def _link_mails():
    return OutboxMail.objects.filter(kind=MailKind.LINK)


def test_link_requests_queue_one_mail_per_enrolment_per_day(time_machine):
    time_machine.move_to(timezone.now().replace(hour=10), tick=False)
    first = EnrolmentFactory(trainee__email="lea@ccas.example.org")
    second = EnrolmentFactory(trainee=first.trainee)

    for _ in range(3):
        assert services.enrolment_links_send(email="lea@ccas.example.org") == 2

    assert sorted(_link_mails().values_list("enrolment", flat=True)) == [first.pk, second.pk]

    time_machine.move_to(timezone.now() + datetime.timedelta(days=1), tick=False)
    services.enrolment_links_send(email="lea@ccas.example.org")

    assert _link_mails().filter(enrolment=first).count() == 2
    assert _link_mails().filter(enrolment=second).count() == 2


def test_enrolling_again_with_the_same_address_mails_the_link_once_a_day(time_machine):
    time_machine.move_to(timezone.now().replace(hour=10), tick=False)
    session = SessionFactory()
    enrolment = enrol(session, email="lea@ccas.example.org").enrolment

    for _ in range(3):
        assert not enrol(session, email="lea@ccas.example.org").created

    assert _link_mails().count() == 1

    time_machine.move_to(timezone.now() + datetime.timedelta(days=1), tick=False)
    enrol(session, email="lea@ccas.example.org")

    assert list(_link_mails().values_list("enrolment", flat=True)) == [enrolment.pk] * 2


def test_link_form_and_second_enrolment_share_the_daily_mail(time_machine):
    time_machine.move_to(timezone.now().replace(hour=10), tick=False)
    session = SessionFactory()
    enrol(session, email="lea@ccas.example.org")

    enrol(session, email="lea@ccas.example.org")
    services.enrolment_links_send(email="lea@ccas.example.org")

    assert _link_mails().count() == 1

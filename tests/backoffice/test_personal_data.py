"""A trainee's personal data in the admin: the JSON export of everything held about them, and
the anonymisation on request through the retention job's erasure; both in the trainee's admin
history, permission-checked and scoped to the user's OPCO."""

import datetime
import html
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.utils import timezone

from catalogue.models import OpcoStaff
from enrolment.models import (
    Attendance,
    Enrolment,
    ReminderSubscription,
    SatisfactionResponse,
    Trainee,
    Transition,
)
from enrolment.retention import AnonymisationRefused, trainee_anonymise
from enrolment.transitions import Actor, transition_record
from outbox.models import OutboxMail
from tests.factories import (
    EnrolmentFactory,
    OutboxMailFactory,
    SessionFactory,
    TraineeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def export_url(trainee):
    return f"/admin/enrolment/trainee/{trainee.pk}/donnees-personnelles.json"


def anonymise_url(trainee):
    return f"/admin/enrolment/trainee/{trainee.pk}/anonymiser/"


def past_session(contact, **fields):
    today = timezone.localdate()
    return SessionFactory(
        opco_contact=contact,
        days=[today - datetime.timedelta(days=10)],
        registration_deadline=today - datetime.timedelta(days=20),
        **fields,
    )


@pytest.fixture
def trainee(sante_contact):
    """Léa, who followed a past OPCO Santé session: attendance, an answer with a comment, a
    refusal's history, a mail, and a reminder request for an upcoming session."""
    trainee = TraineeFactory(first_name="Léa", last_name="Martin", email="lea.martin@cias.fr")
    session = past_session(sante_contact, label="Groupe 7")
    enrolment = EnrolmentFactory(
        trainee=trainee,
        session=session,
        disability_needs="Salle accessible en fauteuil",
        employer_contact_name="Paul Chef",
    )
    transition_record(
        session=session,
        enrolment=enrolment,
        from_status=Enrolment.Status.PENDING,
        to_status=Enrolment.Status.CONFIRMED,
        by=Actor.job("test"),
        reason="Prérequis vérifié",
    )
    Attendance.objects.create(
        enrolment=enrolment,
        day=session.days.get(),
        half_day=Attendance.HalfDay.MORNING,
        status=Attendance.Status.PRESENT,
    )
    SatisfactionResponse.objects.create(
        enrolment=enrolment,
        objectives=4,
        content=5,
        facilitation=4,
        organisation=3,
        usefulness=5,
        would_recommend=True,
        comment="Merci à Chantal",
    )
    OutboxMailFactory(enrolment=enrolment, kind="confirmation")
    ReminderSubscription.objects.create(
        email="Lea.Martin@cias.fr",
        session=SessionFactory(opco_contact=sante_contact),
        confirmed_at=timezone.now(),
    )
    return trainee


def test_the_export_holds_everything_about_the_trainee(trainee, sante_client, sante_user):
    response = sante_client.get(export_url(trainee))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["stagiaire"]["e-mail professionnel"] == "lea.martin@cias.fr"
    # Moments in Paris time, with their offset.
    assert data["exporté le"].endswith(("+01:00", "+02:00"))
    assert data["stagiaire"]["métier"] == "Assistant(e) de service social"
    assert data["structure employeuse"]["SIRET"] == trainee.employer.siret
    [enrolment] = data["inscriptions"]
    assert enrolment["statut"] == "Confirmée"
    assert enrolment["besoins liés à un handicap"] == "Salle accessible en fauteuil"
    assert enrolment["historique"][0]["motif"] == "Prérequis vérifié"
    assert enrolment["historique"][0]["nouveau statut"] == "Confirmée"
    assert enrolment["présences"][0]["présence"] == "Présent(e)"
    assert enrolment["questionnaire de satisfaction"]["commentaire"] == "Merci à Chantal"
    assert len(data["demandes de rappel"]) == 1
    [mail] = data["e-mails"]
    assert set(mail) == {"type", "objet", "statut", "créé le", "envoyé le"}
    # Recorded in the trainee's admin history.
    entry = LogEntry.objects.get(object_id=str(trainee.pk), user=sante_user)
    assert entry.change_message == "Données personnelles exportées (JSON)."


def test_an_opco_sees_only_its_own_programme_in_the_export(
    trainee, sante_client, uniformation_contact
):
    other = past_session(uniformation_contact, label="Groupe Uniformation", city="Rennes")
    EnrolmentFactory(trainee=trainee, session=other)

    data = json.loads(sante_client.get(export_url(trainee)).content)

    assert [e["session"] for e in data["inscriptions"]] != []
    assert all("Rennes" not in e["session"] for e in data["inscriptions"])


def test_another_opcos_trainee_answers_404(sante_client, uniformation_contact):
    stranger = EnrolmentFactory(session=past_session(uniformation_contact)).trainee

    assert sante_client.get(export_url(stranger)).status_code == 404
    assert sante_client.get(anonymise_url(stranger)).status_code == 404
    assert sante_client.post(anonymise_url(stranger)).status_code == 404
    stranger.refresh_from_db()
    assert stranger.anonymised_at is None


def test_the_trainee_page_has_both_buttons(trainee, sante_client):
    page = sante_client.get(f"/admin/enrolment/trainee/{trainee.pk}/change/").content.decode()

    assert export_url(trainee) in page
    assert anonymise_url(trainee) in page


def test_anonymisation_asks_for_confirmation_first(trainee, sante_client):
    response = sante_client.get(anonymise_url(trainee))

    assert response.status_code == 200
    assert "Oui, anonymiser ce stagiaire" in response.content.decode()
    trainee.refresh_from_db()
    assert trainee.anonymised_at is None


def test_anonymisation_erases_the_person_and_keeps_the_statistics(
    trainee, sante_client, sante_user
):
    enrolment = trainee.enrolments.get()

    response = sante_client.post(anonymise_url(trainee))

    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.anonymised_at is not None
    assert (trainee.first_name, trainee.last_name, trainee.phone) == ("Anonyme", "Anonyme", "")
    assert trainee.email == f"anonyme-{trainee.pk}@anonymise.invalid"
    # The statistics stay: the enrolment, its status, the job, the ratings, the attendance.
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.disability_needs == "" and enrolment.employer_contact_name == ""
    assert trainee.job == "ass"
    answer = SatisfactionResponse.objects.get(enrolment=enrolment)
    assert (answer.content, answer.comment) == (5, "")
    assert Attendance.objects.filter(enrolment=enrolment).count() == 1
    assert Transition.objects.get(enrolment=enrolment).reason == ""
    assert not OutboxMail.objects.filter(recipient__iexact="lea.martin@cias.fr").exists()
    assert not ReminderSubscription.objects.filter(email__iexact="lea.martin@cias.fr").exists()
    # The history keeps the anonymisation, and names no one.
    [entry] = LogEntry.objects.filter(object_id=str(trainee.pk))
    assert entry.user == sante_user
    assert "anonymisé à sa demande" in entry.change_message
    assert "Martin" not in entry.object_repr


def test_anonymisation_refused_while_an_enrolment_is_not_over(trainee, sante_client):
    EnrolmentFactory(trainee=trainee, session=SessionFactory(), status=Enrolment.Status.PENDING)

    # Said on the confirmation page, which offers no button, and again if posted all the same.
    page = html.unescape(sante_client.get(anonymise_url(trainee)).content.decode())
    assert "annulez-la d'abord" in page
    assert "Oui, anonymiser" not in page
    response = sante_client.post(anonymise_url(trainee), follow=True)

    assert "annulez-la d'abord" in html.unescape(response.content.decode())
    trainee.refresh_from_db()
    assert trainee.anonymised_at is None
    assert trainee.last_name == "Martin"


def test_an_opco_cannot_anonymise_a_trainee_of_another_programme_too(
    trainee, sante_client, uniformation_contact
):
    EnrolmentFactory(trainee=trainee, session=past_session(uniformation_contact))

    response = sante_client.post(anonymise_url(trainee), follow=True)

    assert "seule l'administration nationale" in html.unescape(response.content.decode())
    trainee.refresh_from_db()
    assert trainee.anonymised_at is None


def test_the_national_administration_anonymises_across_programmes(
    trainee, client, uniformation_contact
):
    EnrolmentFactory(trainee=trainee, session=past_session(uniformation_contact))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    client.post(anonymise_url(trainee))

    trainee.refresh_from_db()
    assert trainee.anonymised_at is not None


def test_without_the_change_permission_export_only(trainee, client, sante):
    user = UserFactory(is_staff=True)
    OpcoStaff.objects.create(user=user, opco=sante)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="enrolment", codename__in=["view_trainee"]
        )
    )
    client.force_login(user)

    assert client.get(export_url(trainee)).status_code == 200
    assert client.get(anonymise_url(trainee)).status_code == 403
    assert client.post(anonymise_url(trainee)).status_code == 403
    trainee.refresh_from_db()
    assert trainee.anonymised_at is None


def test_without_any_permission_nothing(trainee, client, sante):
    user = UserFactory(is_staff=True)
    OpcoStaff.objects.create(user=user, opco=sante)
    client.force_login(user)

    assert client.get(export_url(trainee)).status_code in (403, 404)
    assert client.post(anonymise_url(trainee)).status_code in (403, 404)


def test_the_service_refuses_twice_and_a_job_writes_no_history(trainee):
    trainee_anonymise(trainee_id=trainee.pk, by=Actor.job("test"), opco=None)

    with pytest.raises(AnonymisationRefused):
        trainee_anonymise(trainee_id=trainee.pk, by=Actor.job("test"), opco=None)
    assert not LogEntry.objects.filter(object_id=str(trainee.pk)).exists()
    assert Trainee.objects.get(pk=trainee.pk).first_name == "Anonyme"


def test_the_service_checks_the_callers_opco_under_its_lock(
    trainee, sante, uniformation_contact, sante_user
):
    # An enrolment in another OPCO's programme (made after the admin's confirmation page was
    # read, say): the service itself refuses an OPCO's staff, and lets the national
    # administration through.
    EnrolmentFactory(
        trainee=trainee,
        session=past_session(uniformation_contact),
        status=Enrolment.Status.CANCELLED,
    )

    with pytest.raises(AnonymisationRefused) as refused:
        trainee_anonymise(trainee_id=trainee.pk, by=Actor.staff(sante_user), opco=sante)
    assert "autre OPCO" in refused.value.message
    assert Trainee.objects.get(pk=trainee.pk).anonymised_at is None

    trainee_anonymise(trainee_id=trainee.pk, by=Actor.job("test"), opco=None)
    assert Trainee.objects.get(pk=trainee.pk).anonymised_at is not None


def test_the_admin_hands_the_service_the_users_opco(trainee, sante_client, sante, monkeypatch):
    from backoffice.admin import personal_data

    seen = {}
    real = personal_data.trainee_anonymise

    def spy(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(personal_data, "trainee_anonymise", spy)
    assert sante_client.post(anonymise_url(trainee)).status_code == 302
    assert seen["opco"] == sante

"""Every admin page that OPCO staff use answers, with the rights of the group only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from accounts.permissions import MANAGED_APPS, NATIONAL_MODELS
from catalogue.models import (
    FundingPartner,
    Module,
    ModuleDay,
    Opco,
    OpcoContact,
    OpcoStaff,
    Provider,
    Sequence,
    Session,
    SessionDay,
    Trainer,
)
from enrolment.mails import MailKind
from enrolment.models import (
    Attendance,
    Employer,
    Enrolment,
    ReminderSubscription,
    SatisfactionResponse,
    SessionChangeRequest,
    StaffMessage,
    Trainee,
    Transition,
)
from enrolment.transitions import Actor, transition_record
from outbox.models import OutboxMail
from tests.factories import (
    EnrolmentFactory,
    FundingPartnerFactory,
    SequenceFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
)

MANAGED_ADMINS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in MANAGED_APPS),
    key=lambda model: model._meta.label,
)

# Rows written by the services only: staff read them, never add them by hand (trainees enrol
# through the public form, which applies the seat rules).
NO_ADD_PAGE = {
    Enrolment,
    OpcoStaff,
    OutboxMail,
    ReminderSubscription,
    SatisfactionResponse,
    SessionChangeRequest,
    StaffMessage,
    Transition,
}


def one_of_each():
    """A row of every managed model, linked together as in real data."""
    session = SessionFactory()
    enrolment = EnrolmentFactory(session=session)
    trainer = TrainerFactory(provider=session.provider)
    partner = FundingPartnerFactory()
    session.trainers.add(trainer)
    session.partners.add(partner)
    return {
        Module: session.module,
        Sequence: SequenceFactory(module=session.module),
        ModuleDay: ModuleDay.objects.create(
            module=session.module, number=1, title="Les enjeux de l'aller vers"
        ),
        Provider: session.provider,
        Trainer: trainer,
        Opco: session.opco_contact.opco,
        OpcoContact: session.opco_contact,
        OpcoStaff: OpcoStaff.objects.create(
            user=UserFactory(email="gestionnaire@opco-sante.example.org"),
            opco=session.opco_contact.opco,
        ),
        FundingPartner: partner,
        Session: session,
        SessionDay: session.days.first(),
        Employer: enrolment.trainee.employer,
        Trainee: enrolment.trainee,
        Enrolment: enrolment,
        OutboxMail: OutboxMail.objects.create(
            kind=MailKind.CONFIRMATION,
            recipient=enrolment.trainee.email,
            about=enrolment,
        ),
        ReminderSubscription: ReminderSubscription.objects.create(
            session=session, email="lea@ccas.example.org"
        ),
        Attendance: Attendance.objects.create(
            enrolment=enrolment, day=session.days.first(), half_day="am"
        ),
        SatisfactionResponse: SatisfactionResponse.objects.create(
            enrolment=enrolment,
            objectives=4,
            content=4,
            facilitation=4,
            organisation=4,
            usefulness=4,
            would_recommend=True,
        ),
        SessionChangeRequest: SessionChangeRequest.objects.create(
            session=session, fields={"capacity": 14}
        ),
        StaffMessage: StaffMessage.objects.create(
            session=session, kind=StaffMessage.Kind.MESSAGE, subject="Info", token="0" * 32
        ),
        Transition: transition_record(
            session=session,
            enrolment=enrolment,
            to_status=enrolment.status,
            by=Actor.trainee(),
        ),
    }


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_catalogue_and_enrolment_model_has_an_admin():
    models = {
        model for app_label in MANAGED_APPS for model in apps.get_app_config(app_label).get_models()
    }
    assert models - set(admin.site._registry) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("model", MANAGED_ADMINS, ids=lambda model: model._meta.label)
def test_staff_can_list_add_and_change_every_managed_model(request, model):
    # The national content is the national administration's to add and change.
    national = (model._meta.app_label, model._meta.model_name) in NATIONAL_MODELS
    staff_client = request.getfixturevalue("national_client" if national else "staff_client")
    obj = one_of_each()[model]

    changelist = staff_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert obj in changelist.context["cl"].result_list

    add = staff_client.get(admin_url(model, "add"))
    assert add.status_code == (403 if model in NO_ADD_PAGE else 200)

    change = staff_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert change.context["original"] == obj


@pytest.mark.django_db
def test_staff_see_users_without_being_able_to_change_or_add_them(staff_client, staff_user):
    changelist = staff_client.get(admin_url(User, "changelist"))
    assert changelist.status_code == 200
    assert staff_user in changelist.context["cl"].result_list

    change = staff_client.get(admin_url(User, "change", staff_user.pk))
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert b'name="_save"' not in change.content

    assert staff_client.get(admin_url(User, "add")).status_code == 403
    post = staff_client.post(
        admin_url(User, "change", staff_user.pk),
        {"email": staff_user.email, "is_staff": "on", "is_superuser": "on"},
    )
    assert post.status_code == 403
    staff_user.refresh_from_db()
    assert staff_user.is_superuser is False


@pytest.mark.django_db
def test_superuser_creates_a_user_by_email_in_the_admin(admin_client):
    response = admin_client.get(admin_url(User, "add"))
    assert response.status_code == 200
    assert "username" not in response.context["adminform"].form.fields

    response = admin_client.post(
        admin_url(User, "add"),
        {
            "email": "Karine.Duval@OPCO.example.org",
            "first_name": "Karine",
            "last_name": "Duval",
            "usable_password": "true",
            "password1": "une-phrase-de-passe-solide",
            "password2": "une-phrase-de-passe-solide",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="Karine.Duval@opco.example.org")
    assert user.check_password("une-phrase-de-passe-solide")
    assert not user.is_staff


@pytest.mark.django_db
def test_user_admin_refuses_an_email_that_differs_only_in_case(admin_client, admin_user):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "email": admin_user.email.upper(),
            "usable_password": "true",
            "password1": "une-phrase-de-passe-solide",
            "password2": "une-phrase-de-passe-solide",
        },
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.count() == 1

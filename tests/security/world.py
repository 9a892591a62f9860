"""A small site with a row of every kind, for the bad-input suite: the URL crawl fills each path
parameter with a real id or token from here before trying odd ones."""

import dataclasses

from django.contrib.auth.tokens import default_token_generator

from accounts.tokens import invitation_token_generator
from enrolment.links import confirmation_token, enrolment_token
from enrolment.models import Attendance, Enrolment, ReminderSubscription, SatisfactionResponse
from enrolment.reminder_links import confirm_token, unsubscribe_token
from enrolment.transitions import Actor, transition_record
from tests.factories import (
    EnrolmentFactory,
    FundingPartnerFactory,
    ModuleFactory,
    OutboxMailFactory,
    PrerequisiteModuleFactory,
    ProviderFactory,
    SequenceFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    opco_staff_user,
)


@dataclasses.dataclass
class World:
    session: object  # published, open, its module has a prerequisite
    past_session: object
    enrolment: object  # confirmed, in `session`
    pending: object  # awaits the provider's decision
    unconfirmed: object  # awaits its address's confirmation
    past_enrolment: object  # in `past_session`: the questionnaire is open
    subscription: object
    member: object  # works for the sessions' provider
    staff: object  # in the OPCO staff group, not superuser

    def tokens(self) -> dict[str, str]:
        """The real token of each URL that takes one, by URL name."""
        personal = enrolment_token(self.enrolment)
        return {
            "enrolment:detail": personal,
            "enrolment:done": personal,
            "enrolment:cancel": personal,
            "enrolment:accept_offer": personal,
            "enrolment:calendar": personal,
            "enrolment:satisfaction": enrolment_token(self.past_enrolment),
            # The trainee's documents (enrolment.documents): the convocation of a confirmed
            # enrolment, the certificate and attestation of a past one.
            "enrolment:document_convocation": personal,
            "enrolment:document_certificat_realisation": enrolment_token(self.past_enrolment),
            "enrolment:document_attestation_fin_formation": enrolment_token(self.past_enrolment),
            "enrolment:confirm": confirmation_token(self.unconfirmed),
            "enrolment:reminder_confirm": confirm_token(self.subscription),
            "enrolment:reminder_unsubscribe": unsubscribe_token(self.subscription),
            # The member's one-time links (providers.mails makes them when the mail leaves).
            "providers:invitation": invitation_token_generator.make_token(self.member),
            "providers:password_reset_confirm": default_token_generator.make_token(self.member),
        }


def world_build() -> World:
    provider = ProviderFactory()
    module = PrerequisiteModuleFactory()
    SequenceFactory(module=module)
    session = SessionFactory(module=module, provider=provider)
    session.trainers.add(TrainerFactory(provider=provider))
    session.partners.add(FundingPartnerFactory())
    past_session = SessionFactory(module=ModuleFactory(), provider=provider, starts_in=-10)
    enrolment = EnrolmentFactory(session=session)
    pending = EnrolmentFactory(
        session=session,
        status=Enrolment.Status.PENDING,
        prerequisite_basis="practice",
        prerequisite_practice="Maraudes depuis 2021.",
    )
    unconfirmed = EnrolmentFactory(session=session, status=Enrolment.Status.UNCONFIRMED)
    past_enrolment = EnrolmentFactory(session=past_session)
    answered = EnrolmentFactory(session=past_session)
    SatisfactionResponse.objects.create(
        enrolment=answered,
        **dict.fromkeys(("objectives", "content", "facilitation", "organisation"), 4),
        usefulness=5,
        would_recommend=True,
    )
    Attendance.objects.create(
        enrolment=past_enrolment, day=past_session.days.first(), half_day="am"
    )
    transition_record(
        session=session, enrolment=enrolment, to_status="confirmed", by=Actor.trainee()
    )
    OutboxMailFactory(enrolment=enrolment)
    subscription = ReminderSubscription.objects.create(email="rappel@example.org", session=session)
    member = UserFactory()
    provider.members.add(member)
    staff = opco_staff_user()
    return World(
        session=session,
        past_session=past_session,
        enrolment=enrolment,
        pending=pending,
        unconfirmed=unconfirmed,
        past_enrolment=past_enrolment,
        subscription=subscription,
        member=member,
        staff=staff,
    )

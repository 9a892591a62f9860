"""The transition log: every status change of a session or an enrolment is recorded by the
service that makes it, in the same transaction, with who made it (`Actor`) and why.

An explicit table written by the services rather than a history library: the services are the
only writers of statuses, and what matters (who acted: staff, a provider member, the trainee's
personal link, a periodic job; the reason given) is known there and nowhere else. A row-history
library would record every field of every save, and lose the "who" of the link and the jobs."""

from dataclasses import dataclass

from catalogue.models import Session

from .models import Enrolment, Transition


@dataclass(frozen=True)
class Actor:
    """Who makes a change. Use the constructors: Actor.staff(user), Actor.provider(user),
    Actor.trainee(), Actor.job("offers_expire")."""

    kind: str
    user: object | None = None
    label: str = ""

    @classmethod
    def staff(cls, user) -> "Actor":
        return cls(Transition.ActorKind.STAFF, user=user)

    @classmethod
    def provider(cls, user) -> "Actor":
        return cls(Transition.ActorKind.PROVIDER, user=user)

    @classmethod
    def trainee(cls) -> "Actor":
        return cls(Transition.ActorKind.TRAINEE)

    @classmethod
    def job(cls, name: str) -> "Actor":
        return cls(Transition.ActorKind.JOB, label=name)


def transition_record(
    *,
    session: Session,
    to_status: str,
    from_status: str = "",
    by: Actor,
    enrolment: Enrolment | None = None,
    reason: str = "",
) -> Transition:
    """Record a status change. Call inside the transaction of the change. Raises
    ValidationError on a reason beyond its length (the caller's transaction rolls back)."""
    Transition._meta.get_field("reason").run_validators(reason)
    return Transition.objects.create(
        session=session,
        enrolment=enrolment,
        from_status=from_status,
        to_status=to_status,
        actor_kind=by.kind,
        actor=by.user,
        actor_label=by.label,
        reason=reason,
    )

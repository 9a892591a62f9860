"""Each OPCO its own programme: which sessions (and what hangs from them) a staff account sees.

A staff account either belongs to the national administration (superusers and members of the
"Administration nationale" group: they see everything and edit the national content) or to one
OPCO (its `OpcoStaff` row): it sees and changes only the sessions whose OPCO is theirs, and
what hangs from them. A staff account with neither sees no session at all.

The answers are cached on the user object for the request (the admin asks many times).
"""

from __future__ import annotations

from django.db.models import Q

from accounts.permissions import NATIONAL_ADMIN_GROUP
from catalogue.models import Opco, OpcoStaff

_NATIONAL = "_scoping_is_national"
_OPCO = "_scoping_opco"


def is_national(user) -> bool:
    """True for a superuser or a member of the "Administration nationale" group: no OPCO limit,
    and the national content (modules, OPCOs, partners...) is theirs to edit."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, _NATIONAL, None)
    if cached is None:
        cached = user.groups.filter(name=NATIONAL_ADMIN_GROUP).exists()
        setattr(user, _NATIONAL, cached)
    return cached


def staff_opco(user) -> Opco | None:
    """The OPCO whose programme `user` manages; None for the national administration (who sees
    everything) and for an account with no OPCO (who sees nothing: `session_scope_q` tells them
    apart)."""
    if is_national(user) or not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, _OPCO):
        membership = OpcoStaff.objects.filter(user=user).select_related("opco").first()
        setattr(user, _OPCO, membership.opco if membership else None)
    return getattr(user, _OPCO)


def session_scope_q(user, prefix: str = "") -> Q:
    """The sessions `user` may see, as a filter on a model reaching a session through `prefix`
    (``"session__"`` from an enrolment, ``"enrolment__session__"`` from an attendance...).

    Q() for the national administration; the OPCO's sessions for an OPCO's staff; nothing for
    a staff account with no OPCO."""
    if is_national(user):
        return Q()
    opco = staff_opco(user)
    if opco is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}opco": opco})

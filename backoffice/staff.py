"""OPCO staff accounts: created or updated for one OPCO's programme (the command
`create_opco_staff`, the demo's manager)."""

import dataclasses
import secrets

from django.db import transaction
from django.db.models import Q

from accounts.models import User
from catalogue.models import Opco
from providers.accounts import opco_staff_grant


def opco_find(text: str) -> Opco | None:
    """The OPCO by its slug or its name, in any case."""
    text = text.strip()
    return Opco.objects.filter(Q(slug__iexact=text) | Q(name__iexact=text)).first()


@dataclasses.dataclass
class StaffSaved:
    user: User
    created: bool
    # The password set by this call (None: the existing account keeps its own).
    password: str | None


def opco_staff_save(*, email: str, opco: Opco, password: str | None = None) -> StaffSaved:
    """Make `email` a staff member of `opco`: staff, in the "Gestionnaires OPCO" group, its
    membership pointing at `opco` (moved there if it was another OPCO's). A new account gets
    `password`, or a generated one; an existing account keeps its password unless one is
    given. Atomic."""
    email = User.objects.normalize_email(email.strip())
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        created = user is None
        if created:
            password = password or secrets.token_urlsafe(16)
            user = User.objects.create_user(email=email, password=password, is_staff=True)
        else:
            if password:
                user.set_password(password)
                user.save(update_fields=["password"])
        opco_staff_grant(user=user, opco=opco)
    return StaffSaved(user=user, created=created, password=password)

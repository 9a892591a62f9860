"""The OPCO staff's back office: the admin pages of every model. Each module registers the
admins of one concern; importing them here is what Django's admin autodiscovery runs."""

from . import change_requests, enrolments, mails, opco_staff, sessions, users  # noqa: F401

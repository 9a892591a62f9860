"""Template tags of the public pages that read the enrolment rules."""

from django import template

from enrolment.selectors import registration_state as _registration_state

register = template.Library()


@register.simple_tag
def registration_state(session):
    """{% registration_state session as state %}: see enrolment.selectors.registration_state."""
    return _registration_state(session)

"""Data that a trainee would type, for the service and view tests."""

import itertools

from enrolment import services
from enrolment.transitions import Actor

VALID_SIRET = "73282932000074"
_numbers = itertools.count(1)


def trainee_data(**overrides):
    number = next(_numbers)
    data = {
        "civility": "mme",
        "first_name": "Léa",
        "last_name": f"Bernard{number}",
        "email": f"lea.bernard{number}@ccas.example.org",
        "phone": "06 12 34 56 78",
        "job": "ass",
        "job_other": "",
        "diploma_level": "6",
    }
    return {**data, **overrides}


def employer_data(**overrides):
    data = {
        "name": "CCAS d'Orléans",
        "siret": VALID_SIRET,
        "postcode": "45000",
        "city": "Orléans",
        "opco_member_number": "",
    }
    return {**data, **overrides}


def enrolment_data(**overrides):
    data = {
        "employer_contact_name": "Claire Petit",
        "employer_contact_email": "claire.petit@ccas.example.org",
        "disability_needs": "",
    }
    return {**data, **overrides}


def practice_declaration(**overrides):
    return enrolment_data(
        prerequisite_basis="practice",
        prerequisite_practice="Maraudes auprès des personnes sans abri depuis 2021.",
        **overrides,
    )


def submit(session, *, email=None, declaration=None, **trainee_overrides):
    """enrolment_create as the form calls it: the enrolment awaits its address's confirmation."""
    if email is not None:
        trainee_overrides["email"] = email
    return services.enrolment_create(
        session_id=session.pk,
        trainee_data=trainee_data(**trainee_overrides),
        employer_data=employer_data(),
        enrolment_data=declaration or enrolment_data(),
        consent=True,
        by=Actor.trainee(),
    )


def enrol(session, **kwargs):
    """The form sent, then the address confirmed from the mailed link."""
    result = submit(session, **kwargs)
    if not result.created:
        return result
    enrolment = services.enrolment_confirm(enrolment_id=result.enrolment.pk)
    return services.EnrolmentResult(enrolment=enrolment, created=True)


def form_data(**overrides):
    """The POST of the enrolment form."""
    number = next(_numbers)
    data = {
        "civility": "mme",
        "first_name": "Léa",
        "last_name": f"Bernard{number}",
        "email": f"lea.form{number}@ccas.example.org",
        "phone": "06 12 34 56 78",
        "job": "ass",
        "job_other": "",
        "diploma_level": "6",
        "employer_name": "CCAS d'Orléans",
        "siret": "732 829 320 00074",
        "postcode": "45000",
        "city": "Orléans",
        "opco_member_number": "",
        "employer_contact_name": "Claire Petit",
        "employer_contact_email": "claire.petit@ccas.example.org",
        "disability_needs": "",
        "consent": "on",
        "site_internet": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}

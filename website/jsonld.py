"""schema.org Course / CourseInstance description of a session page (JSON-LD)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from catalogue.models import Session

PARIS = ZoneInfo("Europe/Paris")


def session_jsonld(session: Session) -> dict:
    url = f"{settings.SITE_URL}{session.get_absolute_url()}"
    module = session.module
    provider = {"@type": "Organization", "name": session.provider.name}
    if session.provider.website:
        provider["url"] = session.provider.website
    instance = {
        "@type": "CourseInstance",
        "name": f"{module} – {session.label}, {session.city}",
        "url": url,
        "courseMode": "onsite",
        "eventStatus": "https://schema.org/EventCancelled"
        if session.status == Session.Status.CANCELLED
        else "https://schema.org/EventScheduled",
        "location": {
            "@type": "Place",
            "name": session.venue_name or session.city,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": session.venue_address,
                "postalCode": session.postcode,
                "addressLocality": session.city,
                "addressRegion": session.region,
                "addressCountry": "FR",
            },
        },
        "organizer": provider,
        "maximumAttendeeCapacity": session.capacity,
        "courseWorkload": f"PT{int(session.total_hours)}H",
    }
    days = session.sorted_days
    if days:
        instance["startDate"] = _moment(days[0].date, days[0].starts_at)
        instance["endDate"] = _moment(days[-1].date, days[-1].ends_at)
    trainers = list(session.trainers.all())
    if trainers:
        instance["instructor"] = [
            {"@type": "Person", "name": trainer.full_name, "jobTitle": trainer.role}
            for trainer in trainers
        ]
    return {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": str(module),
        "description": " ".join(session.fiche_objectives) or module.title,
        "url": f"{settings.SITE_URL}{module.get_absolute_url()}",
        "inLanguage": "fr",
        "provider": provider,
        "educationalLevel": module.audience,
        "coursePrerequisites": session.fiche_prerequisites,
        "isAccessibleForFree": True,
        "hasCourseInstance": [instance],
    }


def _moment(date, time):
    return datetime.datetime.combine(date, time, tzinfo=PARIS).isoformat()

"""Server time of the public catalogue with 1,000 upcoming sessions.

    .venv/bin/python bench/catalogue.py [--sessions 1000] [--requests 60]

Creates a throwaway database next to the configured one (SQLite in memory by default, or
test_<name> on the PostgreSQL of DATABASE_URL), fills it with bulk_create, then requests the
catalogue, a filtered catalogue and a session page through django.test.Client and prints the
median and 95th percentile of the time spent in Django, with the number of SQL queries.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allervers.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalogue.models import (  # noqa: E402
    FundingPartner,
    Module,
    ModuleDay,
    Opco,
    OpcoContact,
    Provider,
    Sequence,
    Session,
    SessionDay,
    Trainer,
)
from enrolment.models import Employer, Enrolment, Trainee  # noqa: E402

CITIES = [
    ("Orléans", "45000", "45", "Centre-Val de Loire"),
    ("Chambray-lès-Tours", "37170", "37", "Centre-Val de Loire"),
    ("Strasbourg", "67000", "67", "Grand Est"),
    ("Metz", "57000", "57", "Grand Est"),
    ("Lyon", "69003", "69", "Auvergne-Rhône-Alpes"),
    ("Rennes", "35000", "35", "Bretagne"),
    ("Lille", "59000", "59", "Hauts-de-France"),
    ("Bordeaux", "33000", "33", "Nouvelle-Aquitaine"),
    ("Toulouse", "31000", "31", "Occitanie"),
    ("Marseille", "13001", "13", "Provence-Alpes-Côte d'Azur"),
    ("Nantes", "44000", "44", "Pays de la Loire"),
    ("Créteil", "94000", "94", "Île-de-France"),
]


def fill(count):
    """`count` published upcoming sessions over the next year, 2 days each, with trainers,
    partners and a few enrolments, spread over 2 modules, 8 providers and 12 cities."""
    today = timezone.localdate()
    now = timezone.now()
    modules = [
        Module.objects.create(
            number=number,
            title=title,
            slug=f"module-{number}",
            sectors="Social et Médico-social",
            audience="Les travailleurs sociaux et les professionnels de première ligne",
            duration_days=2,
            duration_hours=14,
            context="La stratégie de prévention et de lutte contre la pauvreté.",
            objectives="Connaître les enjeux de l'aller vers\nDéfinir les conditions",
            prerequisites="Diplôme de niveau 5-6.",
            inter_session_work="Réflexion individuelle sur sa pratique.",
        )
        for number, title in [
            (1, "Aller vers : une nécessaire préparation"),
            (2, "Aller vers : une mise en pratique outillée, concertée et proactive"),
        ]
    ]
    for module in modules:
        for day in (1, 2):
            ModuleDay.objects.create(
                module=module, number=day, title=f"Jour {day}", content="Un point\nUn autre"
            )
        for offset in range(3):
            number = (module.number - 1) * 3 + offset + 1
            Sequence.objects.create(
                module=module, number=number, title=f"Séquence {number}", description="..."
            )
    providers = [
        Provider.objects.create(name=f"Organisme {index}", slug=f"organisme-{index}")
        for index in range(8)
    ]
    trainers = [
        Trainer.objects.create(provider=provider, first_name="Chantal", last_name=f"F{index}")
        for index, provider in enumerate(providers)
    ]
    opco = Opco.objects.create(name="OPCO Santé", slug="opco-sante")
    contact = OpcoContact.objects.create(
        opco=opco, first_name="Karine", last_name="Duval", email="k@opco.example.org"
    )
    partner = FundingPartner.objects.create(acronym="DGCS", name="DGCS")
    sessions = Session.objects.bulk_create(
        Session(
            module=modules[index % 2],
            provider=providers[index % len(providers)],
            label=f"Groupe {index + 1}",
            city=CITIES[index % len(CITIES)][0],
            postcode=CITIES[index % len(CITIES)][1],
            department=CITIES[index % len(CITIES)][2],
            region=CITIES[index % len(CITIES)][3],
            venue_address="12 rue de la Formation",
            capacity=12,
            min_participants=6,
            status=Session.Status.PUBLISHED,
            published_at=now,
            opco_contact=contact,
            registration_deadline=today + datetime.timedelta(days=20 + index % 340),
        )
        for index in range(count)
    )
    SessionDay.objects.bulk_create(
        SessionDay(
            session=session,
            date=today + datetime.timedelta(days=30 + index % 340 + offset),
            morning_start=datetime.time(9),
            morning_end=datetime.time(12, 30),
            afternoon_start=datetime.time(13, 30),
            afternoon_end=datetime.time(17),
        )
        for index, session in enumerate(sessions)
        for offset in (0, 1)
    )
    Session.trainers.through.objects.bulk_create(
        Session.trainers.through(session=session, trainer=trainers[index % len(trainers)])
        for index, session in enumerate(sessions)
    )
    Session.partners.through.objects.bulk_create(
        Session.partners.through(session=session, fundingpartner=partner) for session in sessions
    )
    employer = Employer.objects.create(name="CCAS", city="Orléans")
    trainees = Trainee.objects.bulk_create(
        Trainee(
            first_name="Léa",
            last_name=f"B{index}",
            email=f"t{index}@example.org",
            job="ass",
            diploma_level="6",
            employer=employer,
        )
        for index in range(5)
    )
    Enrolment.objects.bulk_create(
        Enrolment(trainee=trainee, session=session, status="confirmed", consent_at=now)
        for index, session in enumerate(sessions)
        for trainee in trainees[: index % 6]
    )
    return sessions


def measure(client, url, requests):
    for _warm_up in range(3):
        assert client.get(url).status_code == 200, url
    timings = []
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # Counted now: the captured list is read lazily from a log each request resets.
    queries = len(captured)
    for _request in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # Pages only need static URLs: no collectstatic manifest for a bench.
        storage = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(STORAGES={"staticfiles": storage, "default": storage}):
            started = time.perf_counter()
            sessions = fill(args.sessions)
            print(
                f"{connection.vendor}: {len(sessions)} sessions created in "
                f"{time.perf_counter() - started:.1f} s; {args.requests} requests per page"
            )
            client = Client()
            pages = {
                "catalogue": "/sessions/",
                "filtered catalogue": (
                    "/sessions/?q=orleans&region=Centre-Val+de+Loire&module=module-1&available=on"
                ),
                "session page": sessions[len(sessions) // 2].get_absolute_url(),
            }
            print(f"{'page':<20} {'median':>9} {'p95':>9} {'queries':>8}")
            for name, url in pages.items():
                median, p95, queries = measure(client, url, args.requests)
                print(f"{name:<20} {median:>7.1f}ms {p95:>7.1f}ms {queries:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

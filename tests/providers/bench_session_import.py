"""Time and queries of the spreadsheet upload of sessions: preview, confirmation, and the
same file again, for N existing sessions of a provider that the file changes (half of them
published: their change becomes a proposal).

    BENCH_ROWS=200 .venv/bin/pytest tests/providers/bench_session_import.py -s -n 0

Not a test (its name keeps it out of the suite): it takes a minute or more.

Runs on the test database of DATABASE_URL, through django.test.Client, and prints the
figures. Queries are counted with a wrapper (CaptureQueriesContext keeps 9,000 at most).
"""

import contextlib
import os
import time

import pytest
from django.db import connection
from django.test.utils import override_settings

from catalogue.models import Session
from tests.factories import (
    ModuleFactory,
    ProviderFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
)

from .import_helpers import confirm, csv_bytes, fr, row, upload

ROWS = int(os.environ.get("BENCH_ROWS", "200"))


@contextlib.contextmanager
def _counted():
    count = [0]

    def wrapper(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        yield count
    count.append(time.perf_counter() - started)


@pytest.mark.django_db
def test_session_import(client):
    provider = ProviderFactory()
    user = UserFactory()
    provider.members.add(user)
    client.force_login(user)
    module = ModuleFactory(number=1)
    trainer = TrainerFactory(provider=provider, first_name="Chantal", last_name="Dupré")
    rows = []
    for number in range(ROWS):
        status = Session.Status.PUBLISHED if number % 2 else Session.Status.SUBMITTED
        session = SessionFactory(
            provider=provider, module=module, reference=f"R{number}", status=status
        )
        session.trainers.add(trainer)
        rows.append(
            row(
                reference=f"R{number}",
                groupe=session.label,
                lieu=session.venue_name,
                adresse=session.venue_address,
                dates=";".join(fr(day.date) for day in session.days.order_by("date")),
                date_limite=fr(session.registration_deadline),
                intervenants=trainer.full_name,
                places="15",
            )
        )
    content = csv_bytes(rows)
    with override_settings(SESSION_IMPORT_MAX_ROWS=ROWS):
        with _counted() as preview:
            response = upload(client, content)
        assert not response.context["preview"].errors
        with _counted() as confirmation:
            assert confirm(client, response).status_code == 302
        with _counted() as again:
            response = upload(client, content)
        assert response.context["preview"].counts["unchanged"] == ROWS
    for name, (queries, seconds) in (
        ("preview", preview),
        ("confirmation", confirmation),
        ("same file again", again),
    ):
        print(f"{ROWS} rows, {name}: {seconds:.2f} s, {queries} queries")

"""End to end on the real broker: a Celery worker in its own process, on Redis and on the
test database (PostgreSQL, so that both processes see the committed rows), sends the mails.

Skipped on SQLite or without Redis, except in CI (CI=true), where they must run."""

import email
import email.policy
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from allervers.celery import app as celery_app
from enrolment.mails import MailKind
from enrolment.tasks import send_convocations
from outbox.models import OutboxMail
from tests.enrolment.helpers import form_data
from tests.factories import EnrolmentFactory, SessionFactory, TraineeFactory

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

BASE_DIR = Path(django_settings.BASE_DIR)
CELERY = Path(sys.executable).parent / "celery"
WAIT_SECONDS = 40


def _redis_url():
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _redis_reachable(url):
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def _preconditions():
    problems = []
    if connection.vendor != "postgresql":
        problems.append("the worker needs the test database on PostgreSQL")
    if not _redis_reachable(_redis_url()):
        problems.append(f"Redis is not reachable at {_redis_url()}")
    if problems:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("The worker tests must run in CI: " + "; ".join(problems))
        pytest.skip("; ".join(problems))


def _database_url():
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


@pytest.fixture
def worker(_preconditions, tmp_path, settings):
    """A worker on queues of its own (no message of another run reaches it), sending mail to
    files in tmp_path; this process sends tasks to Redis, not in-process."""
    run_id = uuid.uuid4().hex[:12]
    queues = {"default": f"e2e-{run_id}-celery", "mail": f"e2e-{run_id}-mail"}
    redis_url = _redis_url()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = (tmp_path / "worker.log").open("w")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "MAIL_QUEUE": queues["mail"],
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SECRET_KEY": settings.SECRET_KEY,
        "SITE_URL": settings.SITE_URL,
    }
    process = subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "allervers",
            "worker",
            "-Q",
            f"{queues['default']},{queues['mail']}",
            "-P",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            f"e2e-{run_id}@%h",
            "--loglevel=INFO",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    settings.MAIL_QUEUE = queues["mail"]
    previous = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "broker_url": celery_app.conf.broker_url,
    }
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_url
    _drop_broker_connections()
    try:
        yield {"queues": queues, "mail_dir": mail_dir, "log": tmp_path / "worker.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        celery_app.conf.update(previous)
        _drop_broker_connections()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*e2e-{run_id}*"):
            client.delete(key)


def _drop_broker_connections():
    # The producer pools were made for the previous broker URL.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _wait_until_sent(worker, **lookup):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        row = OutboxMail.objects.filter(**lookup).first()
        if row is not None and row.status == OutboxMail.Status.SENT:
            return row
        time.sleep(0.2)
    pytest.fail(
        f"No sent {lookup} row after {WAIT_SECONDS} s; rows: "
        f"{list(OutboxMail.objects.values_list('kind', 'status', 'last_error'))}\n"
        f"worker log:\n{worker['log'].read_text()}"
    )


def _mails(mail_dir):
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(separator):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def _header(message, name):
    # A folded, encoded header decodes with the fold's whitespace.
    return " ".join(str(message[name]).split())


def test_enrolment_through_the_view_is_confirmed_by_mail_by_the_worker(worker):
    session = SessionFactory(min_participants=0)
    client = Client()

    response = client.post(
        reverse("enrolment:enrol", args=[session.pk]), form_data(email="lea.e2e@ccas.example.org")
    )

    # The worker sends the address confirmation; its link confirms the enrolment, and the
    # worker sends the confirmation.
    assert response.status_code == 302
    row = _wait_until_sent(worker, kind=MailKind.ADDRESS_CONFIRM)
    [message] = _mails(worker["mail_dir"])
    assert _header(message, "To") == "lea.e2e@ccas.example.org"
    body = message.get_body(preferencelist=("plain",)).get_content()
    [link] = re.findall(r"https?://\S*/inscription/confirmer/[^/\s]+/", body)
    response = client.post(urlsplit(link).path)
    assert response.status_code == 302

    row = _wait_until_sent(worker, kind=MailKind.CONFIRMATION)
    assert row.recipient == "lea.e2e@ccas.example.org"
    assert row.attempts == 1
    message = next(m for m in _mails(worker["mail_dir"]) if "confirmée" in str(m["Subject"]))
    assert _header(message, "To") == "lea.e2e@ccas.example.org"
    assert _header(message, "Subject") == row.subject
    assert row.subject.startswith("Inscription confirmée – ")


def test_convocations_task_runs_on_the_worker_which_sends_each_convocation(worker):
    session = SessionFactory(starts_in=5, min_participants=0)
    enrolment = EnrolmentFactory(
        session=session, trainee=TraineeFactory(email="paul.e2e@ccas.example.org")
    )

    send_convocations.apply_async(queue=worker["queues"]["default"])

    row = _wait_until_sent(worker, kind=MailKind.CONVOCATION, enrolment=enrolment)
    assert row.dedup_key == f"convocation:{enrolment.pk}"
    [message] = _mails(worker["mail_dir"])
    assert _header(message, "To") == "paul.e2e@ccas.example.org"
    assert _header(message, "Subject").startswith("Convocation – ")
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert "formation.ics" in attachments

"""The hourly digest to a provider's members of the enrolments awaiting their decision (Celery
beat, providers.tasks). A provider's members get at most one digest per hour, and only when an
enrolment is pending that no earlier digest reported.

Which enrolments a digest reported is written in its outbox rows' `note` (their ids), so no
table is needed; the rows' dedup key holds the hour, so a job that runs twice in an hour (or
on two beats at once) queues each member's digest once."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Min, Prefetch
from django.utils import timezone

from catalogue.models import Provider
from enrolment.models import Enrolment
from outbox.models import OutboxMail
from outbox.queue import mail_queue

from .mails import ProviderMailKind

NOTE_PREFIX = "enrolments:"


def _note(enrolment_ids: set[int]) -> str:
    return NOTE_PREFIX + ",".join(str(pk) for pk in sorted(enrolment_ids))


def _reported(note: str) -> set[int]:
    if not note.startswith(NOTE_PREFIX):
        return set()
    return {int(pk) for pk in note.removeprefix(NOTE_PREFIX).split(",") if pk.isdigit()}


def _pending_by_provider() -> dict[int, set[int]]:
    pending: dict[int, set[int]] = {}
    rows = Enrolment.objects.filter(status=Enrolment.Status.PENDING).values_list(
        "session__provider_id", "pk"
    )
    for provider_id, enrolment_id in rows:
        pending.setdefault(provider_id, set()).add(enrolment_id)
    return pending


def _reported_by_provider(provider_ids) -> dict[int, set[int]]:
    """The pending enrolments each provider's earlier digests reported (every row, whatever
    became of it: a digest skipped because nothing was pending any more reported nothing new
    either). Only the rows written since the oldest pending enrolment was made can name one."""
    reported: dict[int, set[int]] = {}
    oldest = Enrolment.objects.filter(status=Enrolment.Status.PENDING).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    if oldest is None:
        return reported
    rows = OutboxMail.objects.filter(
        kind=ProviderMailKind.PENDING_DIGEST,
        content_type=ContentType.objects.get_for_model(Provider),
        object_id__in=provider_ids,
        created_at__gte=oldest,
    ).values_list("object_id", "note")
    for provider_id, note in rows:
        reported.setdefault(provider_id, set()).update(_reported(note))
    return reported


def pending_digests_send(*, now: datetime.datetime | None = None) -> int:
    """Queue the digest to each active member of every provider with a pending enrolment that
    no earlier digest reported. Returns the mails queued."""
    now = now or timezone.now()
    hour = timezone.localtime(now).strftime("%Y%m%d%H")
    pending = _pending_by_provider()
    reported = _reported_by_provider(list(pending))
    due = {
        provider_id: enrolment_ids
        for provider_id, enrolment_ids in pending.items()
        if enrolment_ids - reported.get(provider_id, set())
    }
    providers = Provider.objects.prefetch_related(
        Prefetch(
            "members",
            queryset=get_user_model().objects.filter(is_active=True).order_by("pk"),
            to_attr="active_members",
        )
    ).in_bulk(list(due))
    queued = 0
    for provider_id, enrolment_ids in sorted(due.items()):
        provider = providers[provider_id]
        with transaction.atomic():
            for member in provider.active_members:
                mail = mail_queue(
                    kind=ProviderMailKind.PENDING_DIGEST,
                    recipient=member.email,
                    about=provider,
                    note=_note(enrolment_ids),
                    dedup_key=f"pending_digest:{provider_id}:{hour}:{member.pk}",
                )
                queued += mail is not None
    return queued

"""The builders: what each kind of mail says. The domains register one per kind (`@builds`),
which reads the row the mail is about and returns the subject and the templates' context, or
None when the mail has lost its purpose; `emails/<kind>.txt` and `.html` are its templates."""

import dataclasses
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .kinds import kind_register
from .models import OutboxMail


@dataclasses.dataclass
class Draft:
    """What a kind's builder makes of a row: the subject and the templates' context."""

    subject: str
    context: dict[str, Any]
    # (filename, content, mimetype), e.g. the session's .ics.
    attachments: list[tuple[str, bytes | str, str]] = dataclasses.field(default_factory=list)
    reply_to: list[str] | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


Builder = Callable[[OutboxMail], Draft | None]
_BUILDERS: dict[str, Builder] = {}


def builds(*kinds: str) -> Callable[[Builder], Builder]:
    """Register the builder of these kinds. Give the members of the domain's TextChoices: their
    labels name the kinds in the admin and in the rows' labels."""

    def register(builder: Builder) -> Builder:
        for kind in kinds:
            kind_register(kind)
            _BUILDERS[str(kind)] = builder
        return builder

    return register


def outbox_message(mail: OutboxMail) -> EmailMultiAlternatives | None:
    """The French message of an outbox row, HTML and plain text, with the builder's
    attachments; None when the mail no longer has a purpose."""
    with translation.override("fr"):
        draft = _BUILDERS[mail.kind](mail)
        if draft is None:
            return None
        return draft_message(draft, kind=mail.kind, recipient=mail.recipient)


def draft_message(draft: Draft, *, kind: str, recipient: str) -> EmailMultiAlternatives:
    """The French message a builder's draft makes (also what the admin's previews show)."""
    with translation.override("fr"):
        context = {
            "kind": kind,
            "site_url": settings.SITE_URL,
            **draft.context,
            "subject": draft.subject,
        }
        text = render_to_string(f"emails/{kind}.txt", context)
        html = render_to_string(f"emails/{kind}.html", context)
        message = EmailMultiAlternatives(
            subject=draft.subject,
            body=text,
            to=[recipient],
            reply_to=draft.reply_to,
            headers={"Auto-Submitted": "auto-generated", **draft.headers},
        )
        message.attach_alternative(html, "text/html")
        for filename, content, mimetype in draft.attachments:
            message.attach(filename, content, mimetype)
    return message

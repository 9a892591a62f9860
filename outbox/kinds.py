"""What each kind of mail is called. The outbox knows no kind of its own: each domain registers
its kinds with their labels when it registers their builders (`registry.builds` takes the
members of a TextChoices). Imports nothing, so that the model can read it."""

from typing import Any

_LABELS: dict[str, Any] = {}


def kind_register(kind: str) -> None:
    """Record a kind and its label: a TextChoices member's `label`, else the kind itself."""
    _LABELS[str(kind)] = getattr(kind, "label", str(kind))


def kind_label(kind: str) -> str:
    """The kind's label, or the kind itself when no domain registered it."""
    return str(_LABELS.get(kind, kind))


def kind_choices() -> list[tuple[str, str]]:
    """Every registered kind and its label, in the order they were registered."""
    return [(kind, str(label)) for kind, label in _LABELS.items()]

"""The destination kinds the pipeline delivers to, and the registry that maps a kind to its class.

Adding a destination (a CRM, Zapier) is one class registered here with `@register("crm")`;
the pipeline never knows which kind it is talking to.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscriber:
    """One destination of a kind, as dispatch sees it: its id and which events it wants."""

    id: int
    wants: Callable[[str, dict], bool]  # (event type, the event's data) -> send it?


@dataclass(frozen=True)
class AttemptResult:
    """What one try of one delivery came to."""

    ok: bool
    status: int | None = None
    body: str = ""
    error: str = ""
    retry_after: float | None = None  # seconds the receiver asked us to wait
    duration_ms: float = 0.0
    # Not sent, and never will be (it would go to the wrong place): the delivery fails at
    # once, without retries, and the destination's health is left alone.
    refused: bool = False


class DestinationKind:
    """What a destination kind must implement. One instance serves every destination of the kind."""

    kind: str = ""
    #: The destination model (a `DestinationHealth` subclass): what operators recover, enable.
    model = None
    #: How many due deliveries of one destination a worker claims and hands to `send` at once.
    max_batch: int = 1

    def subscribers(self, *, workspace_id: int) -> list[Subscriber]:
        """This kind's active destinations in the workspace, each with the test of which
        events it wants (its types and filters). Called once per workspace for a whole batch
        of events: load only what the test needs (never decrypt secrets here)."""
        raise NotImplementedError

    def send(self, deliveries: list) -> list[AttemptResult]:
        """Push the deliveries' events to their destination (all of them share one: load it
        once); one result per delivery, in the same order. Must not raise for a delivery
        failure: report it."""
        raise NotImplementedError

    def lease_seconds(self, batch_size: int) -> float:
        """How long a worker may hold a claimed batch of this size before another worker may
        take it over: longer than `send` can take for it, so a slow send is never sent twice."""
        return batch_size * settings.WEBHOOK_TIMEOUT + settings.WEBHOOK_LEASE_MARGIN

    def on_success(self, destination_id: int) -> None:
        """A delivery to the destination succeeded (health bookkeeping)."""
        raise NotImplementedError

    def on_failure(self, destination_id: int, error: str) -> None:
        """A delivery to the destination failed (health bookkeeping: alert, disable)."""
        raise NotImplementedError

    def state(self, destination_id: int) -> str:
        """"active", "paused" (disabled: keep deliveries until re-enabled) or "gone" (deleted)."""
        return "active"

    def title(self, destination) -> str:
        """How pages name one destination of this kind after "to": `webhook “Orders”`."""
        return f"{self.kind} “{destination}”"


_REGISTRY: dict[str, DestinationKind] = {}


def register(kind: str):
    """Class decorator: `@register("webhook") class WebhookDestination(DestinationKind)`."""

    def decorator(cls):
        cls.kind = kind
        _REGISTRY[kind] = cls()
        return cls

    return decorator


def get(kind: str) -> DestinationKind:
    return _REGISTRY[kind]


def all_kinds() -> list[DestinationKind]:
    return list(_REGISTRY.values())

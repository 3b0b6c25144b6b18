"""The destination kinds the pipeline delivers to, and the registry that maps a kind to its class.

Adding a destination (a CRM, Zapier) is one class registered here with `@register("crm")`;
the pipeline never knows which kind it is talking to.
"""
import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


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
    #: How many deliveries `send` may take at once (1: one request per event).
    max_batch: int = 1

    def subscribers(self, event) -> list[int]:
        """Ids of this kind's destinations in `event.workspace` that want `event`:
        active, subscribed to its type, filters matching."""
        raise NotImplementedError

    def send(self, deliveries: list) -> list[AttemptResult]:
        """Push the deliveries' events to their (single, shared) destination; one result per
        delivery, in the same order. Must not raise for a delivery failure: report it."""
        raise NotImplementedError

    def on_success(self, destination_id: int) -> None:
        """A delivery to the destination succeeded (health bookkeeping)."""
        raise NotImplementedError

    def on_failure(self, destination_id: int, error: str) -> None:
        """A delivery to the destination failed (health bookkeeping: alert, disable)."""
        raise NotImplementedError

    def state(self, destination_id: int) -> str:
        """"active", "paused" (disabled: keep deliveries until re-enabled) or "gone" (deleted)."""
        return "active"


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

"""publish(): write an event to the outbox in the caller's transaction."""
import logging
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from metachat.events.models import Event
from metachat.events.wakeups import wakeup_send, wakeups_request

logger = logging.getLogger(__name__)

# The integrations layer registers this task; naming it keeps the import pointing downwards.
DISPATCH_TASK = "integrations.tasks.dispatch_events"
DISPATCH_WAKEUP = "dispatch"


def envelope(*, event_id: str, type: str, timestamp: datetime, data: dict) -> dict:
    """The product guide's payload: `{"event", "timestamp", "data"}` plus the event's id."""
    stamp = timestamp.astimezone(UTC).isoformat(timespec="milliseconds")
    return {"id": event_id, "event": type, "timestamp": stamp.replace("+00:00", "Z"), "data": data}


def event_publish(*, workspace, type: str, data: dict) -> Event:
    """Record an event. Must run inside the transaction that made it happen: if that rolls
    back, the event never existed. After commit, a dispatch is requested; if the broker is
    unreachable then, the sweeper picks the event up later."""
    event = Event(workspace=workspace, type=type, created_at=timezone.now())
    event.payload = envelope(
        event_id=event.public_id, type=type, timestamp=event.created_at, data=data
    )
    event.save()
    # One wake-up for all the events of a transaction (a chat message publishes two or three).
    pending = transaction.get_connection().run_on_commit
    if not any(callback is dispatch_request for _, callback, _ in pending):
        transaction.on_commit(dispatch_request, robust=True)
    return event


def dispatch_request(*, lost_after: float | None = None) -> None:
    """Wake a dispatcher, unless one is already on its way: it takes every undispatched
    event in batches, this one included, so a burst of events costs one wake-up.
    `lost_after`: see `wakeups_request`."""
    try:
        if wakeups_request([DISPATCH_WAKEUP], lost_after=lost_after):
            wakeup_send(DISPATCH_WAKEUP, DISPATCH_TASK, [])
    except Exception as error:  # the database is the truth: the sweeper finds the event
        logger.warning("could not request a dispatch: %s", error)

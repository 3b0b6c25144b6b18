"""publish(): write an event to the outbox in the caller's transaction."""
import logging
from datetime import UTC, datetime

from celery import current_app
from django.db import transaction
from django.utils import timezone

from metachat.events.models import Event

logger = logging.getLogger(__name__)

# The integrations layer registers this task; naming it keeps the import pointing downwards.
DISPATCH_TASK = "integrations.tasks.dispatch_event"


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
    transaction.on_commit(lambda: request_dispatch(event.pk))
    return event


def request_dispatch(event_pk: int) -> None:
    try:
        current_app.send_task(
            DISPATCH_TASK, args=[event_pk],
            retry=True, retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception as error:  # the broker carries wake-ups only; the row is the truth
        logger.warning("could not request dispatch of event %s: %s", event_pk, error)

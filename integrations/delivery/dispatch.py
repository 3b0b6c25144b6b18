"""Fan events out in batches: one Delivery per destination that wants each, then wake the workers.

A dispatcher takes undispatched events many at a time (SKIP LOCKED, so several dispatchers
share the work), loads each workspace's subscribers once per batch, creates the deliveries
with one bulk insert and marks the events dispatched in the same transaction. After commit
it wakes each destination that got work once, however many deliveries it got.
"""
import logging
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from integrations.delivery import destinations
from integrations.delivery.queue import wake_destinations
from integrations.models import Delivery
from metachat.events.models import Event
from metachat.events.services import DISPATCH_WAKEUP
from metachat.events.wakeups import wakeup_take

logger = logging.getLogger(__name__)


def events_dispatch(*, limit: int | None = None) -> int:
    """Dispatch every undispatched event (the worker's wake-up). Returns how many events it
    fanned out. `limit` bounds the work of one call; the rest waits for the next wake-up."""
    wakeup_take(DISPATCH_WAKEUP)
    done = 0
    batch_size = settings.DISPATCH_BATCH
    while limit is None or done < limit:
        with transaction.atomic():
            undispatched = Event.objects.filter(dispatched_at__isnull=True).order_by("created_at")
            if connection.features.has_select_for_update_skip_locked:
                undispatched = undispatched.select_for_update(skip_locked=True)
            batch = list(undispatched.only("pk", "workspace_id", "type", "payload")[:batch_size])
            if not batch:
                break
            _fan_out(batch)
        done += len(batch)
        if len(batch) < batch_size:
            break
    if done:
        logger.info("dispatched %d events", done)
    return done


def event_dispatch(*, event: Event) -> list[Delivery]:
    """Dispatch one event now (once: running it again creates nothing new). Returns the
    deliveries created by this call."""
    with transaction.atomic():
        claimed = Event.objects.select_for_update().filter(
            pk=event.pk, dispatched_at__isnull=True
        ).first()
        if claimed is None:
            return []
        made = _fan_out([claimed])
        # Rows a redelivery had made already were skipped by the bulk insert.
        stamps = {d.created_at for d in made}
        return list(Delivery.objects.filter(event=claimed, created_at__in=stamps))


def _fan_out(events: list[Event]) -> list[Delivery]:
    """In the caller's transaction, with `events` locked: create their deliveries, mark them
    dispatched, and wake the destinations after commit. Returns the deliveries it meant to
    create (without primary keys)."""
    now = timezone.now()
    by_workspace: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_workspace[event.workspace_id].append(event)
    new = []
    for workspace_id, workspace_events in by_workspace.items():
        for kind in destinations.all_kinds():
            subscribers = kind.subscribers(workspace_id=workspace_id)
            for event in workspace_events:
                data = event.payload.get("data") or {}
                new += [
                    Delivery(workspace_id=workspace_id, event_id=event.pk,
                             destination_kind=kind.kind, destination_id=subscriber.id,
                             next_attempt_at=now, created_at=now)
                    for subscriber in subscribers if subscriber.wants(event.type, data)
                ]
    # ignore_conflicts: a redelivery may have made one already.
    Delivery.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    Event.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=now)
    woken = sorted({(d.destination_kind, d.destination_id) for d in new})
    transaction.on_commit(lambda: wake_destinations(woken), robust=True)
    return new

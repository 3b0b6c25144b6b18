"""The sweeper (beat, every few seconds): recovers only what was lost.

It never queues work that is already queued: a destination is woken only when it has due
deliveries, no worker holds a claim on it and no wake-up of its own is on its way (or that
wake-up is so old it was lost); a dispatch is requested only for events older than a grace
period, through the same single dispatch wake-up. Attempts whose sender died (its lease
lapsed with no outcome) are marked interrupted.
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.delivery.queue import dispatch_request, wake_destinations, wake_recoveries
from integrations.delivery.sending import INTERRUPTED, unclaimed
from integrations.models import Attempt, Delivery, Recovery
from metachat.events.models import Event

logger = logging.getLogger(__name__)


def deliveries_sweep() -> dict[str, int]:
    now = timezone.now()
    interrupted = Attempt.objects.filter(
        outcome=Attempt.Outcome.IN_FLIGHT, delivery__claimed_until__lt=now
    ).update(outcome=Attempt.Outcome.INTERRUPTED, error=INTERRUPTED)

    due = set(
        Delivery.objects.filter(unclaimed(now), status=Delivery.Status.PENDING,
                                next_attempt_at__lte=now)
        # (no ordering: the model's would enter the DISTINCT and make it one row a delivery)
        .order_by().values_list("destination_kind", "destination_id")
        .distinct()[: settings.SWEEP_BATCH]
    )
    if due:
        # Destinations a worker is sending to: it takes their due deliveries next.
        due -= set(
            Delivery.objects.filter(claimed_until__gte=now)
            .order_by().values_list("destination_kind", "destination_id").distinct()
        )
    woken = wake_destinations(sorted(due))

    grace = now - timedelta(seconds=settings.DISPATCH_GRACE)
    lost_events = Event.objects.filter(dispatched_at__isnull=True, created_at__lte=grace).exists()
    if lost_events:  # their wake-up was lost, or the one on its way is older than they are
        dispatch_request(lost_after=settings.DISPATCH_GRACE)
    wake_recoveries(list(Recovery.objects.filter(finished_at=None, created_at__lte=grace)
                         .values_list("pk", flat=True)[:10]))
    if interrupted or woken or lost_events:
        logger.info("sweep: %d attempts interrupted, %d destinations woken, dispatch %s",
                    interrupted, woken, "requested" if lost_events else "not needed")
    return {"interrupted": interrupted, "destinations": woken, "dispatch": int(lost_events)}

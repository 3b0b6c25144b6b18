"""Fan an event out: one Delivery per destination that wants it, then wake the workers."""
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.delivery import destinations
from integrations.delivery.queue import enqueue_delivery
from integrations.models import Delivery
from metachat.events.models import Event

logger = logging.getLogger(__name__)


def event_dispatch(*, event: Event) -> list[Delivery]:
    """Create the event's deliveries (once: running it again creates nothing new) and queue them.

    Returns the deliveries created by this call."""
    with transaction.atomic():
        # Claim the event: of two dispatchers (the on-commit wake-up and the sweeper) only the
        # one whose UPDATE changes the row fans it out.
        claimed = Event.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now()
        )
        if not claimed:
            return []
        now = timezone.now()
        created = []
        for kind in destinations.all_kinds():
            for destination_id in kind.subscribers(event):
                try:
                    with transaction.atomic():
                        created.append(Delivery.objects.create(
                            workspace_id=event.workspace_id, event=event,
                            destination_kind=kind.kind, destination_id=destination_id,
                            next_attempt_at=now,
                        ))
                except IntegrityError:  # already there (a redelivery created it)
                    continue
        for delivery in created:
            transaction.on_commit(lambda d=delivery: enqueue_delivery(d))
    logger.info("event %s dispatched to %d destinations", event.public_id, len(created))
    return created

"""What operators and other services ask of the pipeline: test sends, redelivery, pausing,
cancelling and recovering a destination's deliveries."""
import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.delivery import destinations
from integrations.delivery.queue import (
    dispatch_request,
    recovery_key,
    wake_destinations,
    wake_recoveries,
)
from integrations.delivery.sending import (
    claim_batch,
    deliveries_cancel_pending,
    lock_destination,
    send_and_record,
)
from integrations.models import Attempt, Delivery, Recovery
from metachat.events.models import Event
from metachat.events.wakeups import wakeup_keep, wakeup_take

logger = logging.getLogger(__name__)


def delivery_send_now(*, delivery: Delivery) -> Attempt:
    """Send one delivery at once in this process, without retries or health bookkeeping
    (the Test button; it works on a disabled destination too). Returns its attempt."""
    kind = destinations.get(delivery.destination_kind)
    claim = claim_batch(kind=kind, destination_id=delivery.destination_id, pks=[delivery.pk])
    if claim is not None:
        send_and_record(claim, retry_on_failure=False, record_health=False)
    return delivery.attempts.order_by("-number").first()


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send a delivery again (whatever its status), with the same event id; attempts append."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, next_attempt_at=timezone.now()
        )
        delivery.refresh_from_db()
        destination = (delivery.destination_kind, delivery.destination_id)
        transaction.on_commit(lambda: wake_destinations([destination]), robust=True)
    return delivery


def event_redeliver(*, event: Event) -> list[Delivery]:
    """Send an event again to every destination it went to (and dispatch it if it never was)."""
    if event.dispatched_at is None:
        transaction.on_commit(dispatch_request, robust=True)
        return []
    return [delivery_redeliver(delivery=d) for d in event.deliveries.all()]


def deliveries_resume(*, destination_kind: str, destination_id: int) -> int:
    """A destination was enabled again: its waiting deliveries become due now."""
    with transaction.atomic():
        lock_destination(destination_kind, destination_id)  # see sending._destination_open
        resumed = Delivery.objects.filter(
            destination_kind=destination_kind, destination_id=destination_id,
            status=Delivery.Status.PENDING, next_attempt_at__isnull=True,
        ).update(next_attempt_at=timezone.now())
        destination = (destination_kind, destination_id)
        transaction.on_commit(lambda: wake_destinations([destination]), robust=True)
    return resumed


def deliveries_cancel(*, destination_kind: str, destination_id: int) -> int:
    """A destination is being deleted: its pending deliveries will never go out. Call it in
    the deleting transaction; deliveries already waiting on a paused destination would
    otherwise stay pending for good."""
    return deliveries_cancel_pending(kind=destination_kind, destination_id=destination_id)


def destination_recover(*, destination, since: datetime, requested_by: str) -> Recovery:
    """Re-send every delivery to `destination` (a webhook, CRM connection or Zapier hook)
    that failed for good since `since`, as one logged operation a worker carries out in
    batches. The deliveries keep their event ids; their attempts append."""
    kind = _kind_of(destination)
    if since > timezone.now():
        raise ValidationError({"since": ["Must not be in the future."]})
    with transaction.atomic():
        recovery = Recovery.objects.create(
            workspace_id=destination.workspace_id, destination_kind=kind,
            destination_id=destination.pk, since=since, requested_by=requested_by[:200],
        )
        transaction.on_commit(lambda: wake_recoveries([recovery.pk]), robust=True)
    return recovery


def recovery_run(*, recovery: Recovery) -> Recovery:
    """Queue the recovery's failed deliveries again, RECOVER_BATCH at a time, oldest first,
    each at most once (a cursor on the primary key: a delivery that fails again at once is
    not picked up again). Its wake-up stays marked while it runs, refreshed every batch, so
    the sweeper sends it again only if this worker died."""
    failed = Delivery.objects.filter(
        workspace_id=recovery.workspace_id, destination_kind=recovery.destination_kind,
        destination_id=recovery.destination_id, status=Delivery.Status.FAILED,
        created_at__gte=recovery.since, created_at__lte=recovery.created_at,
    )
    last_pk = 0
    while True:
        wakeup_keep(recovery_key(recovery.pk))
        with transaction.atomic():
            pks = list(failed.filter(pk__gt=last_pk).order_by("pk")
                       .values_list("pk", flat=True)[: settings.RECOVER_BATCH])
            if not pks:
                break
            last_pk = pks[-1]
            queued = Delivery.objects.filter(pk__in=pks, status=Delivery.Status.FAILED).update(
                status=Delivery.Status.PENDING, next_attempt_at=timezone.now()
            )
            Recovery.objects.filter(pk=recovery.pk).update(
                deliveries_resent=F("deliveries_resent") + queued
            )
        wake_destinations([(recovery.destination_kind, recovery.destination_id)])
    Recovery.objects.filter(pk=recovery.pk).update(finished_at=timezone.now())
    wakeup_take(recovery_key(recovery.pk))
    recovery.refresh_from_db()
    logger.info("recovery %s re-sent %d deliveries", recovery.public_id, recovery.deliveries_resent)
    return recovery


def _kind_of(destination) -> str:
    for kind in destinations.all_kinds():
        if kind.model is type(destination):
            return kind.kind
    raise ValueError(f"{type(destination).__name__} is not a destination")


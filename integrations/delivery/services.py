"""Sending deliveries, recording attempts, retrying, redelivering, and the sweeper.

Written once for every destination kind. Two workers never send the same attempt: a
worker takes a delivery with a conditional UPDATE (a lease in `claimed_until`, checked
against the attempt number it was asked to make), which is atomic on PostgreSQL and
SQLite alike; the sweeper selects due rows with SKIP LOCKED where the database has it.
"""
import logging
import time
import zlib
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.delivery import destinations, retry
from integrations.delivery.destinations import AttemptResult
from integrations.delivery.operational import delivery_exhausted_publish
from integrations.delivery.queue import enqueue_delivery, enqueue_dispatch
from integrations.models import RESPONSE_BODY_LIMIT, Attempt, Delivery
from metachat.events.models import Event

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
# An event younger than this is left to its on-commit wake-up.
DISPATCH_GRACE = timedelta(seconds=2)


def _unclaimed(now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _claim(*, delivery_pk: int, attempts_made: int, now) -> bool:
    lease_until = now + timedelta(seconds=settings.WEBHOOK_DELIVERY_LEASE)
    return bool(
        Delivery.objects.filter(
            _unclaimed(now), pk=delivery_pk, status=Delivery.Status.PENDING,
            attempt_count=attempts_made,
        # Due now again: if this worker dies, the sweeper takes it over when the lease lapses.
        ).update(claimed_until=lease_until, next_attempt_at=now)
    )


def _lock_destination(kind: str, destination_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [zlib.crc32(kind.encode()) & 0x7FFFFFFF, destination_id & 0x7FFFFFFF])


def delivery_send(*, delivery_pk: int, attempts_made: int) -> list[Delivery]:
    """Make attempt number `attempts_made + 1` of a delivery, if it is still due and nobody
    else is making it. A destination kind that batches takes its other due deliveries along.
    Then, holding its place under the destination's in-flight cap, the worker goes on with
    that destination's other due deliveries (up to WEBHOOK_DRAIN_MAX), so a backlog flows
    without a round trip through the broker per delivery.
    Returns the deliveries attempted (none when there was nothing to do)."""
    sent = _claim_and_send(delivery_pk=delivery_pk, attempts_made=attempts_made)
    if not sent:
        return []
    kind, destination_id = sent[0].destination_kind, sent[0].destination_id
    for _ in range(settings.WEBHOOK_DRAIN_MAX):
        now = timezone.now()
        following = (
            Delivery.objects.filter(
                _unclaimed(now), destination_kind=kind, destination_id=destination_id,
                status=Delivery.Status.PENDING, next_attempt_at__lte=now,
            ).order_by("next_attempt_at").values_list("pk", "attempt_count").first()
        )
        if following is None:
            break
        more = _claim_and_send(delivery_pk=following[0], attempts_made=following[1])
        if not more:
            break
        sent += more
    return sent


def _claim_and_send(*, delivery_pk: int, attempts_made: int) -> list[Delivery]:
    now = timezone.now()
    delivery = Delivery.objects.filter(pk=delivery_pk).first()
    if (
        delivery is None or delivery.status != Delivery.Status.PENDING
        or delivery.attempt_count != attempts_made
    ):
        return []  # finished, or a stale wake-up for an attempt already made
    kind = destinations.get(delivery.destination_kind)
    state = kind.state(delivery.destination_id)
    same_destination = Delivery.objects.filter(
        destination_kind=delivery.destination_kind, destination_id=delivery.destination_id,
        status=Delivery.Status.PENDING,
    )
    if state == "gone":
        same_destination.update(
            status=Delivery.Status.CANCELLED, next_attempt_at=None, claimed_until=None
        )
        return []
    if state == "paused":
        # Kept until the destination is enabled again (deliveries_resume).
        same_destination.filter(_unclaimed(now)).update(next_attempt_at=None)
        return []
    with transaction.atomic():
        # Claims for one destination take turns, so the in-flight cap holds under concurrency
        # (an advisory lock on PostgreSQL; SQLite's write transactions already take turns).
        _lock_destination(delivery.destination_kind, delivery.destination_id)
        in_flight = same_destination.filter(claimed_until__gte=now).exclude(pk=delivery_pk).count()
        if in_flight >= settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION:
            # Busy endpoint: left due; a worker sending to it takes it next (or the sweeper).
            Delivery.objects.filter(_unclaimed(now), pk=delivery_pk).update(next_attempt_at=now)
            return []
        if not _claim(delivery_pk=delivery_pk, attempts_made=attempts_made, now=now):
            return []
        claimed = [delivery_pk]
        if kind.max_batch > 1:
            others = (
                same_destination.filter(_unclaimed(now), next_attempt_at__lte=now)
                .exclude(pk=delivery_pk).order_by("next_attempt_at")
                .values_list("pk", "attempt_count")[: kind.max_batch - 1]
            )
            claimed += [pk for pk, n in others if _claim(delivery_pk=pk, attempts_made=n, now=now)]
    batch = list(Delivery.objects.filter(pk__in=claimed).select_related("event").order_by("pk"))
    return _send_and_record(kind, batch, retry_on_failure=True, record_health=True)


def _send_and_record(kind, batch, *, retry_on_failure: bool, record_health: bool):
    started = timezone.now()
    clock = time.perf_counter()
    try:
        results = kind.send(batch)
    except Exception as error:  # a bug in a destination kind must not lose the deliveries
        logger.exception("%s send failed", kind.kind)
        elapsed = (time.perf_counter() - clock) * 1000
        results = [
            AttemptResult(ok=False, error=f"internal error: {type(error).__name__}",
                          duration_ms=elapsed)
            for _ in batch
        ]
    if len(results) != len(batch):
        raise RuntimeError(f"{kind.kind}.send returned {len(results)} results for {len(batch)}")
    for delivery, result in zip(batch, results, strict=True):
        _record(kind, delivery, result, started=started,
                retry_on_failure=retry_on_failure, record_health=record_health)
    return batch


def _storable_text(text: str) -> str:
    """Text a receiver sent back, made storable everywhere: PostgreSQL refuses NUL in text
    columns and lone surrogates in UTF-8, and one refused insert would leave the delivery
    to be re-sent forever."""
    text = text.replace("\x00", "")
    return text.encode("utf-8", errors="replace").decode("utf-8")


def _storable(result: AttemptResult) -> AttemptResult:
    return replace(result, body=_storable_text(result.body or "")[:RESPONSE_BODY_LIMIT],
                   error=_storable_text(result.error or "")[:500])


def _describe_failure(result: AttemptResult) -> str:
    if result.error:
        return result.error[:500]
    return f"HTTP {result.status}" if result.status is not None else "failed"


def _record(kind, delivery, result: AttemptResult, *, started, retry_on_failure, record_health):
    now = timezone.now()
    number = delivery.attempt_count + 1
    result = _storable(result)  # every destination kind's answer passes here
    with transaction.atomic():
        Attempt.objects.create(
            workspace_id=delivery.workspace_id, delivery=delivery, number=number,
            started_at=started, duration_ms=round(result.duration_ms, 2),
            response_status=result.status, response_body=result.body,
            error=result.error,
        )
        rows = Delivery.objects.filter(pk=delivery.pk)
        if result.ok:
            rows.update(
                status=Delivery.Status.SUCCEEDED, attempt_count=number, delivered_at=now,
                next_attempt_at=None, claimed_until=None, last_error="",
            )
            if record_health:
                kind.on_success(delivery.destination_id)
        else:
            error = _describe_failure(result)
            next_at = (
                retry.next_attempt_at(attempts_made=number, now=now, retry_after=result.retry_after)
                if retry_on_failure and not result.refused else None
            )
            rows.update(
                status=Delivery.Status.PENDING if next_at else Delivery.Status.FAILED,
                attempt_count=number, next_attempt_at=next_at, claimed_until=None,
                last_error=error,
            )
            delivery_exhausted_publish(delivery=delivery)  # no-op unless it gave up for good
            if record_health and not result.refused:
                kind.on_failure(delivery.destination_id, error)
    delivery.refresh_from_db()


def delivery_send_now(*, delivery: Delivery) -> Attempt:
    """Send one delivery at once in this process, without retries or health bookkeeping
    (the Test button). Returns its attempt."""
    kind = destinations.get(delivery.destination_kind)
    _send_and_record(kind, [delivery], retry_on_failure=False, record_health=False)
    return delivery.attempts.order_by("-number").first()


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send a delivery again (whatever its status), with the same event id; attempts append."""
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, next_attempt_at=now
        )
        delivery.refresh_from_db()
        transaction.on_commit(lambda: enqueue_delivery(delivery))
    return delivery


def event_redeliver(*, event: Event) -> list[Delivery]:
    """Send an event again to every destination it went to (and dispatch it if it never was)."""
    if event.dispatched_at is None:
        transaction.on_commit(lambda: enqueue_dispatch(event.pk))
        return []
    return [delivery_redeliver(delivery=d) for d in event.deliveries.all()]


def deliveries_resume(*, destination_kind: str, destination_id: int) -> int:
    """A destination was enabled again: its waiting deliveries become due now."""
    now = timezone.now()
    with transaction.atomic():
        resumed = Delivery.objects.filter(
            destination_kind=destination_kind, destination_id=destination_id,
            status=Delivery.Status.PENDING, next_attempt_at__isnull=True,
        ).update(next_attempt_at=now)
        transaction.on_commit(deliveries_sweep)
    return resumed


def deliveries_cancel(*, destination_kind: str, destination_id: int) -> int:
    """A destination is being deleted: its pending deliveries will never go out. Call it in
    the deleting transaction; deliveries already waiting on a paused destination would
    otherwise stay pending for good."""
    return Delivery.objects.filter(
        destination_kind=destination_kind, destination_id=destination_id,
        status=Delivery.Status.PENDING,
    ).update(status=Delivery.Status.CANCELLED, next_attempt_at=None, claimed_until=None)


def deliveries_sweep() -> dict[str, int]:
    """Queue due deliveries and events nobody dispatched (lost wake-ups, dead workers, a
    broker that was down). Runs from beat every few seconds, on any number of workers."""
    now = timezone.now()
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        due = Delivery.objects.filter(
            _unclaimed(now), status=Delivery.Status.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at")
        if skip_locked:
            due = due.select_for_update(skip_locked=True)
        picked = list(due.values_list("pk", "attempt_count")[:SWEEP_BATCH])
        # Pushed back so the next sweep does not queue them again while they wait for a worker;
        # if the wake-up is lost they are due again then.
        Delivery.objects.filter(pk__in=[pk for pk, _ in picked]).update(
            next_attempt_at=now + timedelta(seconds=settings.WEBHOOK_REQUEUE_AFTER)
        )
    for pk, attempts_made in picked:
        enqueue_delivery(Delivery(pk=pk, attempt_count=attempts_made))

    undispatched = list(
        Event.objects.filter(dispatched_at__isnull=True, created_at__lte=now - DISPATCH_GRACE)
        .order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in undispatched:
        enqueue_dispatch(pk)
    if picked or undispatched:
        logger.info("sweep queued %d deliveries, %d events", len(picked), len(undispatched))
    return {"deliveries": len(picked), "events": len(undispatched)}

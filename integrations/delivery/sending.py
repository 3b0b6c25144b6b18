"""Sending: a worker claims a destination's due deliveries, logs the attempts, sends, records.

Written once for every destination kind. A claim is one transaction: under the
destination's lock (an advisory lock on PostgreSQL; SQLite's write transactions take turns)
it checks the destination's in-flight cap, takes up to `max_batch` due deliveries
(SKIP LOCKED), stamps them with a claim token and a lease sized from the batch, and writes
their attempts "in flight" — so an attempt row exists before its request leaves. The
outcome is written only while the claim is still this worker's: a worker whose lease
lapsed and was taken over changes nothing.
"""
import logging
import time
import uuid
import zlib
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.delivery import destinations, retry
from integrations.delivery.destinations import AttemptResult, DestinationKind
from integrations.delivery.operational import delivery_exhausted_publish
from integrations.delivery.queue import destination_key, wake_destinations
from integrations.delivery.rows import rows_update
from integrations.models import RESPONSE_BODY_LIMIT, Attempt, Delivery
from metachat.events.wakeups import wakeup_take

logger = logging.getLogger(__name__)

INTERRUPTED = (
    "interrupted: the sender stopped before an answer came (the retry has the same webhook-id)"
)


@dataclass
class Claim:
    """A batch of deliveries one worker holds, with the attempts it is making."""

    kind: DestinationKind
    token: uuid.UUID
    deliveries: list[Delivery]
    attempts: list[Attempt]
    others_in_flight: int = 0  # other workers' batches for the destination at claim time


def unclaimed(now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def destination_deliver(*, kind: str, destination_id: int,
                        first: int | None = None) -> list[Delivery]:
    """A worker's wake-up for one destination: send its due deliveries, a batch at a time,
    while the destination is under its in-flight cap. After WEBHOOK_DRAIN_MAX batches it
    wakes itself again at the back of the queue, so other destinations get their turn.
    `first`: a delivery woken for by itself, taken along in the first batch even if its due
    time is a moment away. Returns the deliveries attempted."""
    wakeup_take(destination_key(kind, destination_id))
    destination_kind = destinations.get(kind)
    sent: list[Delivery] = []
    for _ in range(settings.WEBHOOK_DRAIN_MAX):
        claim = claim_batch(kind=destination_kind, destination_id=destination_id, also=first)
        first = None
        if claim is None:
            return sent
        if (len(claim.deliveries) == destination_kind.max_batch
                and claim.others_in_flight + 1 < settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION):
            # A backlog: one more worker may send to it beside this one (each one woken this
            # way wakes the next, up to the cap).
            wake_destinations([(kind, destination_id)])
        sent += send_and_record(claim, retry_on_failure=True, record_health=True)
        if len(claim.deliveries) < destination_kind.max_batch:
            # Nothing more was due; what comes later brings its own wake-up. (A worker
            # turned away at the cap meanwhile is covered by the sweeper.)
            return sent
    wake_destinations([(kind, destination_id)])
    return sent


def delivery_send(*, delivery_pk: int, attempts_made: int) -> list[Delivery]:
    """A wake-up for one delivery's attempt number `attempts_made + 1`: if that attempt is
    still to be made, the delivery's destination is served (this delivery among its due ones).
    A stale wake-up (the attempt was made) does nothing."""
    row = Delivery.objects.filter(
        pk=delivery_pk, status=Delivery.Status.PENDING, attempt_count=attempts_made
    ).values_list("destination_kind", "destination_id").first()
    if row is None:
        return []
    return destination_deliver(kind=row[0], destination_id=row[1], first=delivery_pk)


def claim_batch(*, kind: DestinationKind, destination_id: int, also: int | None = None,
                pks: list[int] | None = None) -> Claim | None:
    """Claim due deliveries of one destination (and `also`, due or not), or exactly `pks`,
    ignoring the cap and the destination's state (the Test button). None when there is
    nothing to do."""
    if pks is None and not _destination_open(kind, destination_id):
        return None
    now = timezone.now()
    rows = Delivery.objects.filter(destination_kind=kind.kind, destination_id=destination_id)
    in_flight = 0
    with transaction.atomic():
        if pks is None:
            _lock_destination(kind.kind, destination_id)
            in_flight = (
                rows.filter(claimed_until__gte=now).exclude(claim_token=None)
                .values("claim_token").distinct().count()
            )
            if in_flight >= settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION:
                return None  # its senders take the rest when they finish their batches
            due = rows.filter(Q(next_attempt_at__lte=now) | Q(pk=also))
        else:
            due = rows.filter(pk__in=pks)
        due = due.filter(unclaimed(now), status=Delivery.Status.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        picked = list(
            due.order_by("next_attempt_at", "pk")
            .values_list("pk", "workspace_id", "attempt_count", "claimed_until")[: kind.max_batch]
        )
        if not picked:
            return None
        token = uuid.uuid4()
        lease_until = now + timedelta(seconds=kind.lease_seconds(len(picked)))
        picked_pks = [pk for pk, _, _, _ in picked]
        # Due at once again: if this worker dies, the sweeper hands them on when the lease lapses.
        Delivery.objects.filter(pk__in=picked_pks).update(
            claim_token=token, claimed_until=lease_until, next_attempt_at=now,
            attempt_count=F("attempt_count") + 1,
        )
        taken_over = [pk for pk, _, _, claimed_until in picked if claimed_until is not None]
        if taken_over:  # their last sender died mid-send
            Attempt.objects.filter(
                delivery_id__in=taken_over, outcome=Attempt.Outcome.IN_FLIGHT
            ).update(outcome=Attempt.Outcome.INTERRUPTED, error=INTERRUPTED)
        attempts = Attempt.objects.bulk_create([
            Attempt(workspace_id=workspace_id, delivery_id=pk, number=made + 1, started_at=now,
                    outcome=Attempt.Outcome.IN_FLIGHT)
            for pk, workspace_id, made, _ in picked
        ])
    deliveries = list(
        Delivery.objects.filter(pk__in=picked_pks).select_related("event").order_by(
            "next_attempt_at", "pk")
    )
    by_delivery = {attempt.delivery_id: attempt for attempt in attempts}
    return Claim(kind=kind, token=token, deliveries=deliveries,
                 attempts=[by_delivery[d.pk] for d in deliveries], others_in_flight=in_flight)


def _destination_open(kind: DestinationKind, destination_id: int) -> bool:
    """Whether the destination takes deliveries; a deleted one's are cancelled, a paused
    one's wait (no due time) until it is enabled again."""
    state = kind.state(destination_id)
    if state == "active":
        return True
    pending = Delivery.objects.filter(
        destination_kind=kind.kind, destination_id=destination_id, status=Delivery.Status.PENDING,
    )
    if state == "gone":
        pending.update(status=Delivery.Status.CANCELLED, next_attempt_at=None,
                       claimed_until=None, claim_token=None)
    else:  # paused: kept until deliveries_resume
        pending.filter(unclaimed(timezone.now())).exclude(next_attempt_at=None).update(
            next_attempt_at=None)
    return False


def _lock_destination(kind: str, destination_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [zlib.crc32(kind.encode()) & 0x7FFFFFFF, destination_id & 0x7FFFFFFF])


def send_and_record(claim: Claim, *, retry_on_failure: bool, record_health: bool) -> list[Delivery]:
    """Send a claimed batch and write what came of it. Returns the batch's deliveries, as
    recorded (or as found, for those whose claim was taken over meanwhile)."""
    kind, batch = claim.kind, claim.deliveries
    clock = time.perf_counter()
    try:
        results = kind.send(batch)
    except Exception as error:  # a bug in a destination kind must not lose the deliveries
        logger.exception("%s send failed", kind.kind)
        elapsed = (time.perf_counter() - clock) * 1000
        results = [AttemptResult(ok=False, error=f"internal error: {type(error).__name__}",
                                 duration_ms=elapsed) for _ in batch]
    if len(results) != len(batch):
        raise RuntimeError(f"{kind.kind}.send returned {len(results)} results for {len(batch)}")
    _record(claim, [_storable(r) for r in results], retry_on_failure=retry_on_failure,
            record_health=record_health)
    return batch


def _record(claim: Claim, results: list[AttemptResult], *, retry_on_failure, record_health):
    now = timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.filter(pk__in=[d.pk for d in claim.deliveries],
                                       claim_token=claim.token)
        if connection.features.has_select_for_update:
            rows = rows.select_for_update()
        mine = set(rows.values_list("pk", flat=True))
        if len(mine) < len(claim.deliveries):
            logger.warning("%d deliveries of a %s batch were taken over; their outcome is not "
                           "written", len(claim.deliveries) - len(mine), claim.kind.kind)
        deliveries, attempts = [], []
        last_error = ""
        succeeded = failed = False
        for delivery, attempt, result in zip(claim.deliveries, claim.attempts, results,
                                             strict=True):
            if delivery.pk not in mine:
                continue
            attempt.duration_ms = round(result.duration_ms, 2)
            attempt.response_status, attempt.response_body = result.status, result.body
            attempt.error = result.error
            delivery.claimed_until = delivery.claim_token = None
            if result.ok:
                attempt.outcome = Attempt.Outcome.SUCCEEDED
                delivery.status, delivery.delivered_at = Delivery.Status.SUCCEEDED, now
                delivery.next_attempt_at, delivery.last_error = None, ""
                succeeded = True
            else:
                attempt.outcome = Attempt.Outcome.FAILED
                error = _describe_failure(result)
                next_at = (
                    retry.next_attempt_at(attempts_made=delivery.attempt_count, now=now,
                                          retry_after=result.retry_after)
                    if retry_on_failure and not result.refused else None
                )
                delivery.status = Delivery.Status.PENDING if next_at else Delivery.Status.FAILED
                delivery.next_attempt_at, delivery.last_error = next_at, error
                if not result.refused:
                    failed, last_error = True, error
            deliveries.append(delivery)
            attempts.append(attempt)
        rows_update(Attempt, attempts,
                    ["outcome", "duration_ms", "response_status", "response_body", "error"])
        rows_update(Delivery, deliveries, ["status", "delivered_at", "next_attempt_at",
                                           "claimed_until", "claim_token", "last_error"])
        for delivery in deliveries:
            if delivery.status == Delivery.Status.FAILED:  # gave up for good
                delivery_exhausted_publish(delivery=delivery)
        destination_id = claim.deliveries[0].destination_id
        if record_health and succeeded:
            claim.kind.on_success(destination_id)
        if record_health and failed:
            claim.kind.on_failure(destination_id, last_error)


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

"""The pipeline never knows the destination kind: a kind that batches (as CRMs will) gets
its due deliveries together, and retries, logs and health work for it as for webhooks."""
import pytest

from integrations.delivery import destinations
from integrations.delivery.destinations import AttemptResult, DestinationKind, Subscriber
from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.models import Attempt, Delivery
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish


class RecordingBatchKind(DestinationKind):
    """A destination kind that pushes up to three events per call, answering as told."""

    max_batch = 3

    def __init__(self):
        self.subscribed: dict[int, list[int]] = {}
        self.batches: list[list[str]] = []
        self.fail_event_ids: set[str] = set()
        self.health: list[tuple] = []

    def subscribers(self, *, workspace_id):
        return [Subscriber(pk, lambda event_type, data: True)
                for pk in self.subscribed.get(workspace_id, [])]

    def send(self, deliveries):
        self.batches.append([d.event.public_id for d in deliveries])
        return [
            AttemptResult(ok=False, status=503, body="busy", error="HTTP 503", retry_after=60)
            if d.event.public_id in self.fail_event_ids
            else AttemptResult(ok=True, status=201, body='{"id": "rec_1"}', duration_ms=3.5)
            for d in deliveries
        ]

    def on_success(self, destination_id):
        self.health.append(("success", destination_id))

    def on_failure(self, destination_id, error):
        self.health.append(("failure", destination_id, error))


@pytest.fixture
def batch_kind():
    kind = destinations.register("test-batch")(RecordingBatchKind)
    yield destinations.get("test-batch")
    destinations._REGISTRY.pop("test-batch")
    assert kind


def test_a_batching_kind_gets_due_deliveries_together_and_each_is_logged(
    transactional_db, workspace, batch_kind
):
    batch_kind.subscribed[workspace.pk] = [42]
    events = [event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data={"n": n})
              for n in range(4)]
    deliveries = [d for e in events for d in event_dispatch(event=e)]
    assert [(d.destination_kind, d.destination_id) for d in deliveries] == [("test-batch", 42)] * 4
    batch_kind.fail_event_ids = {events[1].public_id}

    delivery_send(delivery_pk=deliveries[0].pk, attempts_made=0)

    assert batch_kind.batches == [[e.public_id for e in events[:3]], [events[3].public_id]]
    statuses = {d.event.public_id: d.status for d in Delivery.objects.select_related("event")}
    assert statuses == {events[0].public_id: "succeeded", events[1].public_id: "pending",
                        events[2].public_id: "succeeded", events[3].public_id: "succeeded"}
    failed = Delivery.objects.get(event=events[1])
    assert failed.last_error == "HTTP 503" and failed.attempt_count == 1
    assert (failed.next_attempt_at - failed.attempts.get().started_at).total_seconds() >= 59
    assert Attempt.objects.count() == 4
    assert ("failure", 42, "HTTP 503") in batch_kind.health
    # health is told once per batch, not once per delivery
    assert batch_kind.health == [("success", 42), ("failure", 42, "HTTP 503"), ("success", 42)]

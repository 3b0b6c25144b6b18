"""publish() writes the event in the caller's transaction: rolled back, it never existed."""
import pytest
from celery.signals import before_task_publish
from django.db import transaction

from metachat.events.catalogue import EventType
from metachat.events.models import Event
from metachat.events.services import DISPATCH_TASK, event_publish


def test_the_event_carries_the_guides_envelope(workspace):
    event = event_publish(
        workspace=workspace, type=EventType.CONVERSATION_CREATED,
        data={"conversationId": "conv_1", "userId": "user_1"},
    )

    payload = Event.objects.get(pk=event.pk).payload
    assert set(payload) == {"id", "event", "timestamp", "data"}
    assert payload["id"] == event.public_id and event.public_id.startswith("evt_")
    assert payload["event"] == "conversation.created"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"] == {"conversationId": "conv_1", "userId": "user_1"}
    assert event.dispatched_at is None


def test_a_rolled_back_transaction_leaves_no_event(workspace):
    with pytest.raises(RuntimeError), transaction.atomic():
        event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
        raise RuntimeError("the request failed after publishing")

    assert not Event.objects.exists()


def test_dispatch_is_requested_only_after_commit(transactional_db, workspace):
    published = []

    def record(sender=None, body=None, **kwargs):
        published.append((sender, body[0]))

    before_task_publish.connect(record)
    try:
        with transaction.atomic():
            event = event_publish(
                workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"}
            )
            assert published == []  # nothing leaves while the transaction may still roll back
    finally:
        before_task_publish.disconnect(record)

    assert published == [(DISPATCH_TASK, [event.pk])]

"""publish() writes the event in the caller's transaction: rolled back, it never existed."""
import pytest
from django.db import transaction

from metachat.events.catalogue import EventType
from metachat.events.models import Event
from metachat.events.services import event_publish


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


def test_dispatch_is_requested_only_after_commit(workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})

    assert len(callbacks) == 1

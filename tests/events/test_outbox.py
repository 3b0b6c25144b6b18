"""publish() writes the event in the caller's transaction: rolled back, it never existed."""
import pytest
from django.db import transaction

from metachat.events.catalogue import EventType
from metachat.events.models import Event
from metachat.events.services import DISPATCH_TASK, DISPATCH_WAKEUP, event_publish
from metachat.events.wakeups import wakeup_take


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


def test_dispatch_is_requested_only_after_commit(transactional_db, workspace, published):
    with transaction.atomic():
        event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
        assert published == []  # nothing leaves while the transaction may still roll back

    assert published == [(DISPATCH_TASK, [])]


def test_a_burst_of_events_sends_one_wake_up_until_a_dispatcher_takes_it(
    transactional_db, workspace, published
):
    for n in range(5):  # five requests, five transactions
        event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": f"u{n}"})

    assert published == [(DISPATCH_TASK, [])]  # the dispatcher takes all five in one batch
    assert Event.objects.filter(dispatched_at=None).count() == 5

    wakeup_take(DISPATCH_WAKEUP)  # a dispatcher started: what comes next wakes one again
    event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "late"})

    assert published == [(DISPATCH_TASK, [])] * 2


def test_the_events_of_one_transaction_share_one_dispatch_request(
    workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(3):
            event_publish(workspace=workspace, type=EventType.USER_STARTED,
                          data={"userId": f"u{n}"})

    assert len(callbacks) == 1

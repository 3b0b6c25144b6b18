"""Events reach webhook receivers: signed, retried, logged, filtered, never lost."""
import json

from celery import Celery
from standardwebhooks import Webhook as StandardWebhook

from integrations.models import Attempt, Delivery
from metachat.celery import app as celery_app
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.factories import WebhookFactory
from tests.helpers import wait_until
from tests.receivers import Answer

MESSAGE = {
    "conversationId": "conv_abc123", "userId": "user_xyz789",
    "message": "How long is shipping?", "response": "Shipping takes 3-5 business days.",
    "confidence": 0.95,
}


def _delivery_of(event):
    return Delivery.objects.filter(event=event).first()


def test_an_event_reaches_the_receiver_signed_as_standard_webhooks(
    celery_worker, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, events=["message.sent"])

    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data=MESSAGE)

    wait_until(lambda: receiver.requests)
    request = receiver.requests[0]
    payload = StandardWebhook(webhook.secrets[0]["secret"]).verify(request.body, request.headers)
    assert payload == event.payload
    assert payload["event"] == "message.sent" and payload["data"] == MESSAGE
    assert request.headers["webhook-id"] == event.public_id
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("MetaChat-Webhooks/")
    delivery = wait_until(
        lambda: Delivery.objects.filter(event=event, status="succeeded").first()
    )
    attempt = delivery.attempts.get()
    assert (attempt.response_status, attempt.response_body, attempt.error) == (200, "ok", "")


def test_a_failed_attempt_is_retried_with_the_same_webhook_id(
    celery_worker, beat, settings, workspace, receiver
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0.3, 300]
    receiver.answer(Answer(500, b"database down"), Answer(200, b"thanks"))
    WebhookFactory(workspace=workspace, url=receiver.url)

    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data=MESSAGE)

    delivery = wait_until(lambda: Delivery.objects.filter(event=event, status="succeeded").first())
    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.public_id] * 2
    assert [r.body for r in receiver.requests][0] == receiver.requests[1].body
    attempts = list(delivery.attempts.order_by("number"))
    assert [(a.number, a.response_status, a.response_body) for a in attempts] == [
        (1, 500, "database down"), (2, 200, "thanks")
    ]
    assert attempts[0].error == "HTTP 500"
    assert delivery.attempt_count == 2 and delivery.delivered_at is not None


def test_an_event_published_while_the_broker_is_down_is_delivered_by_the_sweeper(
    celery_worker, beat, workspace, receiver
):
    WebhookFactory(workspace=workspace, url=receiver.url)
    dead_broker = Celery("dead", broker="redis://127.0.0.1:1/0")
    dead_broker.set_current()
    try:
        event = event_publish(
            workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u1"}
        )
    finally:
        celery_app.set_current()
    assert event.dispatched_at is None  # the wake-up was lost with the broker

    wait_until(lambda: receiver.requests, timeout=15)
    assert receiver.requests[0].headers["webhook-id"] == event.public_id
    wait_until(lambda: Delivery.objects.filter(event=event, status="succeeded").exists())


def test_only_subscribed_webhooks_whose_filter_matches_receive_the_event(
    celery_worker, workspace, other_workspace, make_receiver
):
    everything, low_confidence, created_only, elsewhere = (make_receiver() for _ in range(4))
    WebhookFactory(workspace=workspace, url=everything.url, events=["*"])
    WebhookFactory(
        workspace=workspace, url=low_confidence.url, events=["message.sent"],
        filters=[{"field": "confidence", "op": "lt", "value": 0.5}],
    )
    WebhookFactory(workspace=workspace, url=created_only.url, events=["conversation.created"])
    WebhookFactory(workspace=other_workspace, url=elsewhere.url)
    WebhookFactory(workspace=workspace, url=everything.url, active=False)

    confident = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data=MESSAGE)
    unsure = event_publish(
        workspace=workspace, type=EventType.MESSAGE_SENT, data={**MESSAGE, "confidence": 0.3}
    )

    wait_until(lambda: len(everything.requests) == 2 and low_confidence.requests)
    wait_until(lambda: Delivery.objects.filter(status="succeeded").count() == 3)
    assert {json.loads(r.body)["id"] for r in everything.requests} == {
        confident.public_id, unsure.public_id
    }
    assert [json.loads(r.body)["id"] for r in low_confidence.requests] == [unsure.public_id]
    assert created_only.requests == [] and elsewhere.requests == []
    assert Delivery.objects.count() == 3


def test_a_slow_endpoint_does_not_hold_up_another_webhook(
    celery_worker, settings, workspace, make_receiver
):
    settings.WEBHOOK_TIMEOUT = 3
    slow = make_receiver(default=Answer(200, delay=2.5))
    fast = make_receiver()
    slow_hook = WebhookFactory(workspace=workspace, url=slow.url)
    WebhookFactory(workspace=workspace, url=fast.url)

    event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u1"})

    wait_until(lambda: fast.requests and slow.requests)
    wait_until(lambda: Delivery.objects.filter(status="succeeded").count() == 1)
    # The fast webhook's delivery is done while the slow one's first attempt is still open,
    # logged as in flight before its request left.
    slow_attempts = Attempt.objects.filter(
        delivery__destination_kind="webhook", delivery__destination_id=slow_hook.pk)
    assert list(slow_attempts.values_list("number", "outcome")) == [(1, "in_flight")]
    wait_until(lambda: Delivery.objects.filter(status="succeeded").count() == 2, timeout=10)


def test_concurrent_deliveries_to_one_webhook_are_capped(
    celery_worker, beat, settings, workspace, receiver
):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION = 2
    receiver.default = Answer(200, delay=0.3)
    WebhookFactory(workspace=workspace, url=receiver.url)

    for n in range(6):
        event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": f"u{n}"})

    wait_until(lambda: Delivery.objects.filter(status="succeeded").count() == 6, timeout=20)
    assert len(receiver.requests) == 6
    assert receiver.max_in_flight <= 2

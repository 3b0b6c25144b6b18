"""Zapier hooks ride the delivery pipeline: signed like webhooks, 410 unsubscribes, logged."""
import json

from standardwebhooks import Webhook as StandardWebhook

from apikeys.services import api_key_revoke
from conversations.services import demo_knowledge_base_load
from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.models import Delivery
from integrations.zapier.models import HookSubscription
from integrations.zapier.services import hook_subscribe
from metachat.events.catalogue import EventType
from metachat.events.models import Event
from metachat.events.services import event_publish
from tests.factories import ApiKeyFactory, WebhookFactory
from tests.helpers import wait_until
from tests.receivers import Answer

MESSAGE = {
    "conversationId": "conv_abc123", "userId": "user_xyz789",
    "message": "How long is shipping?", "response": "Shipping takes 3-5 business days.",
    "confidence": 0.95,
}


def _subscription(workspace, url, *, event="message.sent", filters=None, api_key=None):
    subscription, _, _ = hook_subscribe(
        workspace=workspace, api_key=api_key or ApiKeyFactory(workspace=workspace),
        target_url=url, event=event, filters=filters,
    )
    return subscription


def _publish_and_dispatch(workspace, data=MESSAGE, type=EventType.MESSAGE_SENT):
    event = event_publish(workspace=workspace, type=type, data=data)
    return event, event_dispatch(event=event)


def test_a_chat_message_reaches_the_subscribed_target_signed_in_the_guides_shape(
    celery_worker, api_client, workspace, receiver
):
    demo_knowledge_base_load(workspace=workspace)
    hook = api_client.post("/v1/hooks", {"targetUrl": receiver.url, "event": "message.sent"},
                           format="json").json()["data"]

    reply = api_client.post("/v1/chat", {"message": "How long is shipping?",
                                         "userId": "cust-1"}, format="json").json()["data"]

    wait_until(lambda: receiver.requests)
    request = receiver.requests[0]
    payload = StandardWebhook(hook["secret"]).verify(request.body, request.headers)
    assert set(payload) == {"id", "event", "timestamp", "data"}  # jsonb keeps no key order
    assert payload["event"] == "message.sent"
    assert payload["data"] == {
        "conversationId": reply["conversationId"], "userId": "cust-1",
        "message": "How long is shipping?", "response": reply["message"],
        "confidence": reply["confidence"],
    }
    assert request.headers["webhook-id"] == payload["id"]
    assert request.headers["content-type"] == "application/json"
    # The delivery log is the pipeline's, as for a webhook.
    delivery = wait_until(lambda: Delivery.objects.filter(
        destination_kind="zapier", status="succeeded").first())
    logged = api_client.get(f"/v1/deliveries/{delivery.public_id}").json()["data"]
    assert logged["eventId"] == payload["id"] and logged["eventType"] == "message.sent"
    assert [a["responseStatus"] for a in logged["attempts"]] == [200]
    subscription = HookSubscription.objects.get(public_id=hook["id"])
    assert delivery.destination_id == subscription.pk
    assert subscription.last_delivery_at is not None
    assert subscription.last_success_at is not None
    assert len(receiver.requests) == 1  # conversation.created is not subscribed

    # Redelivery comes from the pipeline too, with the same webhook-id.
    assert api_client.post(f"/v1/deliveries/{delivery.public_id}/redeliver").status_code == 202
    wait_until(lambda: len(receiver.requests) == 2)
    assert receiver.requests[1].headers["webhook-id"] == payload["id"]
    assert receiver.requests[1].body == request.body


def test_a_410_unsubscribes_at_once_and_is_not_retried(
    celery_worker, beat, settings, api_client, workspace, receiver
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0.2, 0.2, 0.2]
    receiver.answer(Answer(410, b"gone"))
    hook = api_client.post("/v1/hooks", {"targetUrl": receiver.url, "event": "message.sent"},
                           format="json").json()["data"]

    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data=MESSAGE)

    delivery = wait_until(lambda: Delivery.objects.filter(event=event, status="failed").first())
    assert delivery.attempt_count == 1 and delivery.next_attempt_at is None
    attempt = delivery.attempts.get()
    assert attempt.response_status == 410 and "410" in attempt.error
    subscription = HookSubscription.objects.get(public_id=hook["id"])
    assert subscription.unsubscribed_at is not None and subscription.unsubscribed_by == "gone"
    assert subscription.failing_since is None  # Zapier's "zap is off" is not a failure
    assert api_client.get("/v1/hooks").json()["data"] == []
    # A later event is dispatched but has nowhere to go.
    later = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data=MESSAGE)
    wait_until(lambda: Event.objects.get(pk=later.pk).dispatched_at is not None)
    assert not Delivery.objects.filter(event=later).exists()
    assert len(receiver.requests) == 1


def test_a_410_cancels_the_subscriptions_other_waiting_deliveries(db, workspace, receiver):
    receiver.answer(Answer(410))
    subscription = _subscription(workspace, receiver.url)
    _, [first] = _publish_and_dispatch(workspace)
    _, [second] = _publish_and_dispatch(workspace)

    delivery_send(delivery_pk=first.pk, attempts_made=0)
    delivery_send(delivery_pk=second.pk, attempts_made=0)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("failed", "cancelled")
    assert second.attempt_count == 0 and len(receiver.requests) == 1
    subscription.refresh_from_db()
    assert subscription.unsubscribed_by == "gone"


def test_other_failures_follow_the_retry_schedule(db, workspace, receiver):
    receiver.answer(Answer(503, b"busy"))
    subscription = _subscription(workspace, receiver.url)
    _, [delivery] = _publish_and_dispatch(workspace)

    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at is not None
    assert delivery.attempts.get().error == "HTTP 503"
    assert subscription.unsubscribed_at is None
    assert subscription.failing_since is not None and subscription.status == "failing"


def test_the_hook_gets_the_same_bytes_and_headers_as_a_webhook(db, workspace, make_receiver):
    for_webhook, for_zapier = make_receiver(), make_receiver()
    WebhookFactory(workspace=workspace, url=for_webhook.url, events=["message.sent"])
    subscription = _subscription(workspace, for_zapier.url)

    _, deliveries = _publish_and_dispatch(workspace)
    for delivery in deliveries:
        delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    [to_webhook], [to_zapier] = for_webhook.requests, for_zapier.requests
    assert to_zapier.body == to_webhook.body
    assert set(to_zapier.headers) == set(to_webhook.headers)
    assert to_zapier.headers["webhook-id"] == to_webhook.headers["webhook-id"]
    StandardWebhook(subscription.secrets[0]["secret"]).verify(to_zapier.body, to_zapier.headers)


def test_filters_pick_the_events_the_zap_wants(db, workspace, receiver):
    _subscription(workspace, receiver.url,
                  filters=[{"field": "confidence", "op": "lt", "value": 0.5}])

    _, sure = _publish_and_dispatch(workspace, {**MESSAGE, "confidence": 0.9})
    _, unsure = _publish_and_dispatch(workspace, {**MESSAGE, "confidence": 0.2})
    _, other_type = _publish_and_dispatch(workspace, {"conversationId": "c", "userId": "u"},
                                          type=EventType.CONVERSATION_CREATED)

    assert (len(sure), len(unsure), len(other_type)) == (0, 1, 0)
    delivery_send(delivery_pk=unsure[0].pk, attempts_made=0)
    assert json.loads(receiver.requests[0].body)["data"]["confidence"] == 0.2


def test_revoking_or_expiring_the_key_stops_its_subscriptions(db, workspace, receiver):
    revoked, expired, working = (ApiKeyFactory(workspace=workspace) for _ in range(3))
    _subscription(workspace, receiver.url + "/revoked", api_key=revoked)
    _subscription(workspace, receiver.url + "/expired", api_key=expired)
    kept = _subscription(workspace, receiver.url + "/working", api_key=working)
    api_key_revoke(api_key=revoked)
    expired.expires_at = "2020-01-01T00:00:00Z"
    expired.save(update_fields=["expires_at"])

    _, deliveries = _publish_and_dispatch(workspace)

    assert [d.destination_id for d in deliveries] == [kept.pk]


def test_unsubscribed_or_disabled_subscriptions_get_nothing(db, workspace, receiver):
    unsubscribed = _subscription(workspace, receiver.url + "/a")
    disabled = _subscription(workspace, receiver.url + "/b")
    HookSubscription.objects.filter(pk=unsubscribed.pk).update(unsubscribed_at="2026-01-01T00:00Z")
    HookSubscription.objects.filter(pk=disabled.pk).update(active=False)

    _, deliveries = _publish_and_dispatch(workspace)

    assert deliveries == []


def test_a_saved_target_forbidden_at_delivery_time_gets_no_connection(
    db, settings, workspace, receiver, connections_seen
):
    _subscription(workspace, receiver.url)
    _, [delivery] = _publish_and_dispatch(workspace)
    settings.WEBHOOK_ALLOW_LOOPBACK = False  # as in production

    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    attempt = delivery.attempts.get()
    assert attempt.error.startswith("refused:") and attempt.response_status is None
    assert receiver.connections == 0 and connections_seen == []


def test_another_workspaces_events_never_reach_the_hook(db, workspace, other_workspace,
                                                        receiver):
    _subscription(workspace, receiver.url)
    theirs = _subscription(other_workspace, receiver.url)  # the same URL, their own row

    _, deliveries = _publish_and_dispatch(other_workspace)

    assert [d.destination_id for d in deliveries] == [theirs.pk]
    assert HookSubscription.objects.filter(target_url=receiver.url).count() == 2


def test_delivery_exhausted_names_the_zapier_hook_by_its_public_id(workspace):
    from integrations.delivery.operational import delivery_exhausted_publish
    from integrations.models import Delivery
    from integrations.zapier.services import hook_subscribe
    from metachat.events.catalogue import EventType
    from metachat.events.models import Event
    from metachat.events.services import event_publish
    from tests.factories import ApiKeyFactory

    hook, _, _ = hook_subscribe(workspace=workspace, api_key=ApiKeyFactory(workspace=workspace),
                                target_url="http://127.0.0.1:9/hooks/z", event="message.sent")
    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data={"x": 1})
    delivery = Delivery.objects.create(
        workspace=workspace, event=event, destination_kind="zapier", destination_id=hook.pk,
        status="failed", attempt_count=8, next_attempt_at=None, last_error="HTTP 503")

    delivery_exhausted_publish(delivery=delivery)

    exhausted = Event.objects.get(type=EventType.DELIVERY_EXHAUSTED)
    assert exhausted.payload["data"]["destinationId"] == hook.public_id
    assert exhausted.payload["data"]["destinationKind"] == "zapier"

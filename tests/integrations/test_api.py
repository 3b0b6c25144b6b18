"""The webhooks API: create, read, change, delete, test, rotate, logs, redeliver, events."""
import pytest
from standardwebhooks import Webhook as StandardWebhook

from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.models import Delivery, Webhook
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.factories import WebhookFactory
from tests.receivers import Answer


def test_creating_a_webhook_returns_its_secret_once(api_client, workspace, receiver):
    response = api_client.post("/v1/webhooks", {
        "name": "Orders", "url": receiver.url, "events": ["message.sent"],
        "filters": [{"field": "confidence", "op": "lt", "value": 0.5}],
    }, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["id"].startswith("wh_") and data["status"] == "active"
    assert data["secret"].startswith("whsec_")
    assert data["filters"] == [{"field": "confidence", "op": "lt", "value": 0.5}]
    got = api_client.get(f"/v1/webhooks/{data['id']}").json()["data"]
    assert "secret" not in got and got["name"] == "Orders" and got["events"] == ["message.sent"]
    listed = api_client.get("/v1/webhooks").json()
    assert [w["id"] for w in listed["data"]] == [data["id"]] and listed["pagination"]["total"] == 1


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "url": "http://10.0.0.1/h", "events": ["*"]}, "url"),
    ({"name": "x", "url": "ftp://example.com", "events": ["*"]}, "url"),
    ({"name": "x", "url": "http://127.0.0.1:1/h", "events": ["nope.event"]}, "events"),
    ({"name": "x", "url": "http://127.0.0.1:1/h", "events": []}, "events"),
    ({"name": "x", "url": "http://127.0.0.1:1/h", "events": ["*"],
      "filters": [{"field": "confidence", "op": "like", "value": 1}]}, "filters"),
    ({"url": "http://127.0.0.1:1/h", "events": ["*"]}, "name"),
])
def test_bad_input_is_a_clear_error_and_creates_nothing(api_client, body, field):
    response = api_client.post("/v1/webhooks", body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert not Webhook.objects.exists()


def test_updating_and_deleting_a_webhook(api_client, workspace):
    webhook = WebhookFactory(workspace=workspace, events=["*"])

    response = api_client.patch(f"/v1/webhooks/{webhook.public_id}",
                                {"events": ["conversation.created"], "active": False},
                                format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["data"]["events"] == ["conversation.created"]
    assert response.json()["data"]["status"] == "disabled"
    assert api_client.delete(f"/v1/webhooks/{webhook.public_id}").status_code == 204
    assert not Webhook.objects.exists()


def test_test_sends_a_signed_test_event_and_shows_the_result(api_client, workspace, receiver):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    receiver.answer(Answer(200, b"got it"))

    response = api_client.post(f"/v1/webhooks/{webhook.public_id}/test")

    result = response.json()["data"]
    assert response.status_code == 200
    assert result["ok"] is True and result["responseStatus"] == 200
    assert result["responseBody"] == "got it" and result["durationMs"] > 0
    payload = StandardWebhook(webhook.secrets[0]["secret"]).verify(
        receiver.requests[0].body, receiver.requests[0].headers)
    assert payload["event"] == "webhook.test" and payload["data"]["webhookId"] == webhook.public_id


def test_a_receiver_answering_a_nul_byte_gets_its_test_result_and_attempt_logged(
    api_client, workspace, receiver
):
    # PostgreSQL refuses NUL in text: storing the answer as sent would be a 500 here
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    receiver.answer(Answer(200, b"ok\x00"))

    response = api_client.post(f"/v1/webhooks/{webhook.public_id}/test")

    assert response.status_code == 200, response.content
    result = response.json()["data"]
    assert result["ok"] is True and result["responseStatus"] == 200
    assert result["responseBody"] == "ok"
    delivery = Delivery.objects.get(destination_id=webhook.pk)
    assert delivery.status == "succeeded"
    assert [a.response_body for a in delivery.attempts.all()] == ["ok"]


def test_a_failing_test_reports_the_error(api_client, workspace, receiver):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    receiver.answer(Answer(500, b"nope"))

    result = api_client.post(f"/v1/webhooks/{webhook.public_id}/test").json()["data"]

    assert result["ok"] is False and result["responseStatus"] == 500
    assert result["errorMessage"] == "HTTP 500"


def test_rotating_and_revealing_the_secret(api_client, workspace):
    webhook = WebhookFactory(workspace=workspace)
    old = webhook.secrets[0]["secret"]

    response = api_client.post(f"/v1/webhooks/{webhook.public_id}/rotate-secret")
    new = response.json()["data"]["secret"]

    assert new.startswith("whsec_") and new != old
    revealed = api_client.post(f"/v1/webhooks/{webhook.public_id}/reveal-secret").json()["data"]
    assert revealed == {"secret": new}
    secrets = Webhook.objects.get(pk=webhook.pk).secrets
    assert [s["secret"] for s in secrets] == [new, old] and secrets[1]["expires_at"]


def test_the_delivery_log_shows_attempts_and_a_delivery_can_be_redelivered(
    transactional_db, api_client, workspace, receiver
):
    receiver.answer(Answer(500, b"boom"))
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event)
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    log = api_client.get(f"/v1/webhooks/{webhook.public_id}/deliveries").json()
    [entry] = log["data"]
    assert entry["id"] == delivery.public_id and entry["eventId"] == event.public_id
    assert entry["status"] == "pending" and entry["attemptCount"] == 1
    assert entry["attempts"][0]["responseStatus"] == 500
    assert entry["attempts"][0]["responseBody"] == "boom"

    response = api_client.post(f"/v1/deliveries/{delivery.public_id}/redeliver")
    assert response.status_code == 202
    delivery_send(delivery_pk=delivery.pk, attempts_made=1)
    got = api_client.get(f"/v1/deliveries/{delivery.public_id}").json()["data"]
    assert got["status"] == "succeeded" and [a["responseStatus"] for a in got["attempts"]] == [
        500, 200]
    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.public_id] * 2


def test_events_can_be_polled_and_filtered_by_type(api_client, workspace, other_workspace):
    started = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    created = event_publish(workspace=workspace, type=EventType.CONVERSATION_CREATED,
                            data={"conversationId": "conv_1", "userId": "u"})
    event_publish(workspace=other_workspace, type=EventType.USER_STARTED, data={"userId": "x"})

    everything = api_client.get("/v1/events").json()["data"]
    only_created = api_client.get("/v1/events?type=conversation.created").json()["data"]

    assert [e["id"] for e in everything] == [created.public_id, started.public_id]
    # Each item is the event exactly as a webhook receives it.
    assert only_created == [created.payload]
    bad = api_client.get("/v1/events?type=nope")
    assert bad.status_code == 400 and "type" in bad.json()["error"]["fields"]


def test_test_sends_stay_out_of_the_polled_events_unless_asked_for(
    api_client, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    started = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    assert api_client.post(f"/v1/webhooks/{webhook.public_id}/test").status_code == 200

    polled = api_client.get("/v1/events").json()["data"]
    tests = api_client.get("/v1/events?type=webhook.test").json()["data"]

    assert [e["id"] for e in polled] == [started.public_id]
    assert [e["event"] for e in tests] == ["webhook.test"]


def test_another_workspaces_webhooks_and_deliveries_are_not_found(
    api_client, other_workspace
):
    theirs = WebhookFactory(workspace=other_workspace)
    event = event_publish(workspace=other_workspace, type=EventType.USER_STARTED, data={})
    delivery = Delivery.objects.create(workspace=other_workspace, event=event,
                                       destination_kind="webhook", destination_id=theirs.pk)
    base = f"/v1/webhooks/{theirs.public_id}"

    for method, path in [("get", base), ("patch", base), ("delete", base),
                         ("get", f"{base}/deliveries"), ("post", f"{base}/test"),
                         ("post", f"{base}/rotate-secret"), ("post", f"{base}/reveal-secret"),
                         ("post", f"{base}/enable"),
                         ("get", f"/v1/deliveries/{delivery.public_id}"),
                         ("post", f"/v1/deliveries/{delivery.public_id}/redeliver"),
                         ("get", f"/v1/events/{event.public_id}")]:
        response = getattr(api_client, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    assert api_client.get("/v1/webhooks").json()["data"] == []
    assert Webhook.objects.get(pk=theirs.pk).secrets == theirs.secrets


def test_reading_needs_webhooks_read_and_changing_needs_webhooks_write(
    make_api_client, workspace
):
    webhook = WebhookFactory(workspace=workspace)
    reader = make_api_client(workspace, scopes=["webhooks:read"])
    stranger = make_api_client(workspace, scopes=["conversations:read"])

    assert reader.get("/v1/webhooks").status_code == 200
    assert reader.get(f"/v1/webhooks/{webhook.public_id}/deliveries").status_code == 200
    assert reader.get("/v1/events").status_code == 200
    for path in ("/v1/webhooks", f"/v1/webhooks/{webhook.public_id}/test",
                 f"/v1/webhooks/{webhook.public_id}/rotate-secret",
                 f"/v1/webhooks/{webhook.public_id}/reveal-secret"):
        refused = reader.post(path, {}, format="json")
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "insufficient_scope"
        assert "webhooks:write" in refused.json()["error"]["message"]
    assert reader.delete(f"/v1/webhooks/{webhook.public_id}").status_code == 403
    assert stranger.get("/v1/webhooks").status_code == 403
    assert Webhook.objects.get(pk=webhook.pk).secrets == webhook.secrets


@pytest.mark.parametrize("body", [
    [],
    "just text",
    {"name": "x", "url": 123, "events": ["*"]},
    {"name": "x", "url": "https://example.com", "events": "message.sent"},
    {"name": "x", "url": "https://example.com", "events": [None]},
    {"name": "x", "url": "https://example.com", "events": ["*"], "filters": "confidence<0.5"},
    {"name": "x", "url": "https://example.com", "events": ["*"], "filters": [{"op": "eq"}]},
    {"name": "x", "url": "https://example.com", "events": ["*"],
     "filters": [{"field": "confidence", "op": "lt", "value": {"a": 1}}]},
    {"name": "x", "url": "https://example.com", "events": ["*"],
     "filters": [{"field": "tags", "op": "in", "value": "vip"}]},
    {"name": "x" * 500, "url": "https://example.com", "events": ["*"]},
    {"name": "x", "url": "https://example.com/" + "a" * 3000, "events": ["*"]},
    {"name": "x", "url": "https://exa mple.com/", "events": ["*"]},
    {"name": "x", "url": "http://[::1", "events": ["*"]},
    {"name": "x", "url": "https://example.com:99999/", "events": ["*"]},
    {"name": "x", "url": "javascript:alert(1)", "events": ["*"]},
    {"name": "x", "url": "https://" + "a" * 70 + ".example.com/", "events": ["*"]},
    {"name": "x", "url": "https://ex\u0000ample.com/", "events": ["*"]},
    {"name": "x", "url": "https://example.com", "events": ["*"], "active": "maybe"},
])
def test_hostile_webhook_bodies_are_400_and_create_nothing(api_client, body):
    response = api_client.post("/v1/webhooks", body, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not Webhook.objects.exists()


def test_a_webhook_update_with_bad_fields_changes_nothing(api_client, workspace):
    webhook = WebhookFactory(workspace=workspace, name="Orders", events=["*"])

    for body in ({"url": "http://169.254.169.254/"}, {"events": []}, {"name": ""},
                 {"filters": [{"field": "x", "op": "regex", "value": ".*"}]}):
        response = api_client.patch(f"/v1/webhooks/{webhook.public_id}", body, format="json")
        assert response.status_code == 400, body

    stored = Webhook.objects.get(pk=webhook.pk)
    assert (stored.name, stored.url, stored.events, stored.filters) == (
        "Orders", webhook.url, ["*"], [])

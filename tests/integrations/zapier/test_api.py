"""/v1/hooks as Zapier calls it: subscribe (idempotent), list, unsubscribe (idempotent)."""
import ipaddress

import pytest

from integrations.zapier.models import HookSubscription

# Tests allow loopback targets (WEBHOOK_ALLOW_LOOPBACK) and resolve no other names.
TARGET = "http://127.0.0.1:9/hooks/standard/1/abc/"


def _subscribe(client, **body):
    return client.post("/v1/hooks", {"targetUrl": TARGET, "event": "message.sent", **body},
                       format="json")


def test_subscribing_returns_the_hook_and_its_signing_secret_once(api_client, workspace):
    response = _subscribe(api_client, filters=[{"field": "confidence", "op": "lt",
                                                "value": 0.5}])

    assert response.status_code == 201
    hook = response.json()["data"]
    assert hook["id"].startswith("hook_")
    assert (hook["event"], hook["targetUrl"], hook["status"]) == ("message.sent", TARGET,
                                                                   "active")
    assert hook["filters"] == [{"field": "confidence", "op": "lt", "value": 0.5}]
    assert hook["secret"].startswith("whsec_")
    stored = HookSubscription.objects.get(public_id=hook["id"])
    assert stored.workspace == workspace and stored.api_key == api_client.api_key
    assert stored.secrets[0]["secret"] == hook["secret"]
    listed = api_client.get("/v1/hooks").json()
    assert [h["id"] for h in listed["data"]] == [hook["id"]]
    assert "secret" not in listed["data"][0] and hook["secret"] not in str(listed)
    assert listed["pagination"]["total"] == 1


def test_subscribing_the_same_url_to_the_same_event_again_returns_the_same_hook(api_client):
    first = _subscribe(api_client).json()["data"]

    again = _subscribe(api_client, filters=[{"field": "confidence", "op": "lt", "value": 0.3}])

    assert again.status_code == 200
    assert again.json()["data"]["id"] == first["id"]
    assert "secret" not in again.json()["data"]  # shown once, when made
    assert again.json()["data"]["filters"] == [{"field": "confidence", "op": "lt", "value": 0.3}]
    assert HookSubscription.objects.count() == 1
    other_event = _subscribe(api_client, event="escalation.triggered")
    assert other_event.status_code == 201 and HookSubscription.objects.count() == 2


def test_an_unknown_event_is_a_400_naming_it(api_client):
    response = _subscribe(api_client, event="message.deleted")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "message.deleted" in error["fields"]["event"][0]
    assert "message.sent" in error["fields"]["event"][0]  # it lists the known ones
    assert not HookSubscription.objects.exists()


@pytest.mark.parametrize("body,field", [
    ({"targetUrl": ""}, "targetUrl"),
    ({"targetUrl": "ftp://files.example.com/x"}, "targetUrl"),
    ({"targetUrl": "https://exämple.com/hook"}, "targetUrl"),
    ({"targetUrl": "https://example.com/" + "a" * 2001}, "targetUrl"),
    ({"event": ""}, "event"),
    ({"event": ["message.sent"]}, "event"),
    ({"filters": [{"field": "confidence", "op": "below", "value": 1}]}, "filters"),
    ({"filters": [{"field": "confidence", "op": "in", "value": 1}]}, "filters"),
    ({"filters": "confidence < 0.5"}, "filters"),
])
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api_client, body, field):
    response = _subscribe(api_client, **body)

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not HookSubscription.objects.exists()


def test_missing_fields_are_named(api_client):
    response = api_client.post("/v1/hooks", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"targetUrl", "event"}


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://169.254.169.254/latest",
                                 "http://[fd00::1]/hook", "http://167772161/hook"])
def test_a_private_target_is_refused_before_any_connection(api_client, url, connections_seen):
    response = _subscribe(api_client, targetUrl=url)

    assert response.status_code == 400
    assert "public addresses" in response.json()["error"]["fields"]["targetUrl"][0]
    assert not HookSubscription.objects.exists()
    assert [a for a in connections_seen
            if not ipaddress.ip_address(a[0].split("%")[0]).is_loopback] == []


def test_unsubscribing_is_a_204_twice_and_keeps_the_row(api_client):
    hook = _subscribe(api_client).json()["data"]

    first = api_client.delete(f"/v1/hooks/{hook['id']}")
    second = api_client.delete(f"/v1/hooks/{hook['id']}")

    assert (first.status_code, second.status_code) == (204, 204)
    assert first.content == b""
    stored = HookSubscription.objects.get(public_id=hook["id"])
    assert stored.unsubscribed_at is not None and stored.unsubscribed_by == "api"
    assert api_client.get("/v1/hooks").json()["data"] == []
    assert api_client.get(f"/v1/hooks/{hook['id']}").json()["data"]["status"] == "unsubscribed"
    # Zapier may subscribe the same URL again later: a new subscription.
    again = _subscribe(api_client)
    assert again.status_code == 201 and again.json()["data"]["id"] != hook["id"]


def test_an_unknown_hook_is_a_404(api_client):
    response = api_client.delete("/v1/hooks/hook_doesnotexist")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_reading_needs_webhooks_read_and_changing_needs_webhooks_write(make_api_client,
                                                                        workspace):
    reader = make_api_client(workspace, scopes=["webhooks:read"])
    writer = make_api_client(workspace, scopes=["webhooks:write"])
    hook = _subscribe(writer).json()["data"]

    assert reader.get("/v1/hooks").status_code == 200
    assert reader.get(f"/v1/hooks/{hook['id']}").status_code == 200
    for response in (_subscribe(reader, targetUrl=TARGET + "x"),
                     reader.delete(f"/v1/hooks/{hook['id']}")):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "insufficient_scope"
        assert "webhooks:write" in response.json()["error"]["message"]
    assert writer.get("/v1/hooks").status_code == 403
    assert HookSubscription.objects.filter(unsubscribed_at__isnull=True).count() == 1


def test_the_paths_answer_without_redirects(api_client):
    """Zapier refuses a redirect to a loopback host, so no path may depend on one."""
    created = _subscribe(api_client)
    hook_id = created.json()["data"]["id"]

    for response in (created, api_client.get("/v1/hooks"),
                     api_client.get(f"/v1/hooks/{hook_id}"),
                     api_client.delete(f"/v1/hooks/{hook_id}")):
        assert response.status_code in (200, 201, 204)
        assert "Location" not in response.headers
    slashed = api_client.post("/v1/hooks/", {"targetUrl": TARGET, "event": "message.sent"},
                              format="json")
    # A trailing slash names the same endpoint, answered in place rather than redirected.
    assert slashed.status_code == 201 and "Location" not in slashed.headers


@pytest.mark.parametrize("raw", [
    '{"targetUrl": "http://127.0.0.1:9/h\\u0000", "event": "message.sent"}',
    '{"targetUrl": "http://127.0.0.1:9/h", "event": "message.sent\\ud800"}',
    '{"targetUrl": {"url": "http://127.0.0.1:9/h"}, "event": "message.sent"}',
    '{"targetUrl": "http://127.0.0.1:9/h", "event": {"type": "message.sent"}}',
    '{"targetUrl": "http://127.0.0.1:9/h", "event": "message.sent", "filters": {"a": 1}}',
    '{"targetUrl": "http://127.0.0.1:9/h", "event": "message.sent", "filters": [null]}',
    '{"targetUrl": "http://127.0.0.1:99999/h", "event": "message.sent"}',
    '{"targetUrl": "http://127.0.0.1:9/h", "event": "' + "x" * 5000 + '"}',
    '["not", "an", "object"]',
    '{"targetUrl": ',
])
def test_hostile_bodies_are_a_400_and_change_nothing(api_client, raw):
    response = api_client.post("/v1/hooks", raw, content_type="application/json")

    assert response.status_code == 400, response.content
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not HookSubscription.objects.exists()

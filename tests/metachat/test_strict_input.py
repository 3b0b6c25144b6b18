"""Loose input is a 400 in the envelope and changes nothing: strict JSON types in every
request field, no NaN, GET bodies not read, hostile CRM subdomains refused."""
import pytest

from integrations.crm.models import CrmConnection
from tests.factories import WebhookFactory


@pytest.mark.parametrize("body", ['{"name": NaN}', '{"name": Infinity}', '{"name": -Infinity}'])
def test_nan_and_infinity_are_not_json(api_client, workspace, body):
    webhook = WebhookFactory(workspace=workspace, name="Orders")

    response = api_client.patch(f"/v1/webhooks/{webhook.public_id}", body,
                                content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
    webhook.refresh_from_db()
    assert webhook.name == "Orders"


@pytest.mark.parametrize(("body", "field"), [
    ({"message": 123}, "message"),
    ({"message": True}, "message"),
    ({"message": ["hi"]}, "message"),
    ({"message": {"text": "hi"}}, "message"),
    ({"message": "hi", "conversationId": 5}, "conversationId"),
    ({"message": "hi", "userId": 12345}, "userId"),
])
def test_chat_fields_take_only_strings(api_client, body, field):
    response = api_client.post("/v1/chat", body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]


@pytest.mark.parametrize(("body", "field"), [
    ({"name": 42}, "name"),
    ({"active": "yes"}, "active"),
    ({"active": 1}, "active"),
    ({"events": [1]}, "events"),
])
def test_webhook_fields_have_strict_types(api_client, workspace, body, field):
    webhook = WebhookFactory(workspace=workspace, name="Orders", active=True)

    response = api_client.patch(f"/v1/webhooks/{webhook.public_id}", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    webhook.refresh_from_db()
    assert (webhook.name, webhook.active) == ("Orders", True)


def test_key_fields_have_strict_types(api_client):
    response = api_client.post("/v1/api-keys", {"name": 7, "scopes": ["chat:write"]},
                               format="json")

    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]


def test_a_get_with_a_malformed_body_is_answered(api_client):
    response = api_client.generic("GET", "/v1/me", "{not json", content_type="application/json")

    assert response.status_code == 200
    assert response.json()["data"]["workspaceName"] == "Acme"


def test_a_tenant_id_in_the_query_is_still_checked_on_get(api_client):
    response = api_client.get("/v1/conversations?tenantId=ws_someoneelse")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "tenant_mismatch"


@pytest.mark.parametrize("subdomain", [
    "a" * 64, "acme..x", "-acme", "acme-", "äcme", "acme_corp", "acme.evil.com",
    "https://" + "a" * 64 + ".zendesk.com", "https://[::1", "acme/../x",
])
def test_hostile_zendesk_subdomains_are_a_400(api_client, subdomain, connections_seen):
    response = api_client.post("/v1/integrations/crm", {
        "provider": "zendesk", "name": "Support",
        "credentials": {"subdomain": subdomain, "email": "agent@example.com",
                        "apiToken": "token123"}}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert "credentials.subdomain" in error["fields"]
    assert not CrmConnection.objects.exists()
    assert connections_seen == []


def test_form_input_is_still_parsed_as_text(api_client):
    # Multipart and form bodies are text by nature: numbers and booleans arrive as strings.
    response = api_client.post("/v1/documents", {"title": "FAQ", "content": "Shipping is free."},
                               format="multipart")

    assert response.status_code == 201, response.json()
    assert response.json()["data"]["title"] == "FAQ"

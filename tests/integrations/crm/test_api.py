"""/v1/integrations/crm over HTTP: list, connect, map fields, test, disconnect, reconnect."""
import pytest

from integrations.crm.models import CrmConnection
from integrations.crm.services import crm_connection_connect

URL = "/v1/integrations/crm"


def sf_body(salesforce, **overrides):
    return {"provider": "salesforce", "name": "Sales",
            "credentials": {"instanceUrl": salesforce.url, "clientId": salesforce.client_id,
                            "clientSecret": salesforce.client_secret}, **overrides}


def test_connect_checks_credentials_and_answers_without_the_secret(crm_api, salesforce):
    response = crm_api.post(URL, sf_body(salesforce), format="json")

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("crm_")
    assert data["status"] == "connected"
    assert data["targetObject"] == "Task"
    assert data["events"] == ["conversation.ended"]
    assert data["credentials"] == {"instanceUrl": salesforce.url,
                                   "clientId": salesforce.client_id}
    assert salesforce.client_secret not in response.content.decode()
    assert {m["targetField"] for m in data["fieldMappings"]} == {
        "Subject", "Description", "ActivityDate", "Status"}


def test_bad_credentials_are_a_400_naming_the_problem(crm_api, salesforce):
    body = sf_body(salesforce)
    body["credentials"]["clientSecret"] = "wrong"

    response = crm_api.post(URL, body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "crm_credentials_rejected"
    assert "Salesforce refused the credentials" in error["message"]
    assert "credentials" in error["fields"]
    assert not CrmConnection.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"provider": "dynamics", "credentials": {}}, "provider"),
    ({"provider": "hubspot", "credentials": {}}, "credentials.accessToken"),
    ({"provider": "hubspot", "credentials": "token"}, "credentials"),
    ({"provider": "hubspot", "credentials": {"accessToken": "x"}, "events": ["nope"]}, "events"),
    ({"provider": "hubspot", "credentials": {"accessToken": "x"}, "targetObject": "deal"},
     "targetObject"),
])
def test_bad_input_is_a_400_and_saves_nothing(crm_api, body, field):
    response = crm_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not CrmConnection.objects.exists()


def test_list_shows_only_this_workspaces_connections(crm_api, hubspot, other_workspace,
                                                     hubspot_connection):
    theirs = crm_connection_connect(workspace=other_workspace, provider="hubspot", name="Theirs",
                                    credentials={"access_token": hubspot.access_token})

    body = crm_api.get(URL).json()

    assert [c["id"] for c in body["data"]] == [hubspot_connection.public_id]
    assert body["pagination"]["total"] == 1
    for path in ("", "/test", "/disconnect", "/reconnect"):
        method = crm_api.get if path == "" else crm_api.post
        response = method(f"{URL}/{theirs.public_id}{path}", format="json")
        assert response.status_code == 404, path
    response = crm_api.put(f"{URL}/{theirs.public_id}/field-mappings",
                           {"fieldMappings": []}, format="json")
    assert response.status_code == 404
    assert hubspot.objects["notes"] == {}


def test_field_mappings_are_replaced(crm_api, salesforce, salesforce_connection):
    salesforce.objects["Task"].add("Confidence__c")
    mappings = [
        {"sourceField": "conversation_id", "targetField": "Subject"},
        {"sourceField": "confidence", "targetField": "Confidence__c", "transform": "percent"},
        {"targetField": "Status", "fixedValue": "Completed"},
    ]

    response = crm_api.put(f"{URL}/{salesforce_connection.public_id}/field-mappings",
                           {"fieldMappings": mappings}, format="json")

    assert response.status_code == 200
    assert [(m["sourceField"], m["targetField"], m["fixedValue"], m["transform"])
            for m in response.json()["data"]["fieldMappings"]] == [
        ("conversation_id", "Subject", "", ""), ("confidence", "Confidence__c", "", "percent"),
        ("", "Status", "Completed", "")]
    crm_api.post(f"{URL}/{salesforce_connection.public_id}/test")
    assert salesforce.records[0]["fields"] == {
        "Subject": "[Test] conv_test", "Confidence__c": 100, "Status": "Completed"}


@pytest.mark.parametrize("mappings", [
    [{"sourceField": "shoe_size", "targetField": "Subject"}],
    [{"targetField": "Subject"}],
    [{"sourceField": "confidence", "targetField": "A"},
     {"sourceField": "confidence", "targetField": "A"}],
])
def test_bad_mappings_are_a_400_and_change_nothing(crm_api, salesforce_connection, mappings):
    before = list(salesforce_connection.field_mappings.values_list("target_field", flat=True))

    response = crm_api.put(f"{URL}/{salesforce_connection.public_id}/field-mappings",
                           {"fieldMappings": mappings}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]
    assert list(salesforce_connection.field_mappings.values_list(
        "target_field", flat=True)) == before


def test_test_answers_with_the_created_records_id(crm_api, salesforce, salesforce_connection):
    response = crm_api.post(f"{URL}/{salesforce_connection.public_id}/test")

    assert response.status_code == 200
    assert response.json()["data"]["recordId"] == salesforce.records[0]["id"]
    assert response.json()["data"]["connection"]["status"] == "connected"


def test_a_failing_test_is_a_502_and_marks_the_connection(crm_api, salesforce,
                                                          salesforce_connection):
    salesforce.client_secret = "rotated"
    salesforce.expire_tokens()

    response = crm_api.post(f"{URL}/{salesforce_connection.public_id}/test")

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "crm_error"
    assert "Salesforce refused the credentials" in response.json()["error"]["message"]
    shown = crm_api.get(f"{URL}/{salesforce_connection.public_id}").json()["data"]
    assert shown["status"] == "error"
    assert "Salesforce refused the credentials" in shown["lastError"]


def test_disconnect_then_reconnect_with_fresh_credentials(crm_api, salesforce,
                                                          salesforce_connection):
    url = f"{URL}/{salesforce_connection.public_id}"

    assert crm_api.post(f"{url}/disconnect").json()["data"]["status"] == "disconnected"
    salesforce.client_secret = "fresh-secret"
    stale = crm_api.post(f"{url}/reconnect", {}, format="json")
    fresh = crm_api.post(f"{url}/reconnect", {"credentials": {"clientSecret": "fresh-secret"}},
                         format="json")

    assert stale.status_code == 400
    assert stale.json()["error"]["code"] == "crm_credentials_rejected"
    assert fresh.status_code == 200
    assert fresh.json()["data"]["status"] == "connected"
    salesforce_connection.refresh_from_db()
    assert salesforce_connection.credentials["client_secret"] == "fresh-secret"


def test_patch_changes_events_and_delete_removes(crm_api, hubspot_connection):
    url = f"{URL}/{hubspot_connection.public_id}"

    patched = crm_api.patch(url, {"events": ["escalation.triggered", "conversation.ended"]},
                            format="json")
    deleted = crm_api.delete(url)

    assert patched.json()["data"]["events"] == ["escalation.triggered", "conversation.ended"]
    assert deleted.status_code == 204
    assert not CrmConnection.objects.exists()


def test_deleting_a_connection_cancels_the_records_waiting_for_it(crm_api, hubspot_connection):
    from integrations.models import Delivery
    from metachat.events.services import event_publish

    waiting = Delivery.objects.create(
        workspace=hubspot_connection.workspace, destination_kind="crm",
        destination_id=hubspot_connection.pk, next_attempt_at=None,  # parked while disconnected
        event=event_publish(workspace=hubspot_connection.workspace,
                            type="conversation.ended", data={}),
    )

    assert crm_api.delete(f"{URL}/{hubspot_connection.public_id}").status_code == 204

    waiting.refresh_from_db()
    assert waiting.status == Delivery.Status.CANCELLED


@pytest.mark.parametrize("method, path", [
    ("post", ""), ("patch", "/{id}"), ("delete", "/{id}"), ("put", "/{id}/field-mappings"),
    ("post", "/{id}/test"), ("post", "/{id}/disconnect"), ("post", "/{id}/reconnect"),
])
def test_changes_need_integrations_write(make_api_client, workspace, hubspot,
                                         hubspot_connection, method, path):
    reader = make_api_client(workspace, scopes=["integrations:read"])

    response = getattr(reader, method)(URL + path.format(id=hubspot_connection.public_id), {},
                                       format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert "integrations:write" in response.json()["error"]["message"]
    hubspot_connection.refresh_from_db()
    assert hubspot_connection.status == "connected"
    assert hubspot.objects["notes"] == {}


def test_reading_needs_integrations_read(make_api_client, workspace, hubspot_connection):
    writer_only = make_api_client(workspace, scopes=["webhooks:read"])
    reader = make_api_client(workspace, scopes=["integrations:read"])

    assert writer_only.get(URL).status_code == 403
    assert reader.get(URL).status_code == 200
    assert reader.get(f"{URL}/{hubspot_connection.public_id}").status_code == 200


def test_no_key_is_a_401(client):
    response = client.get(URL)

    assert response.status_code == 401


@pytest.mark.parametrize("provider, credentials, field", [
    ("hubspot", {"accessToken": "tökén€"}, "credentials.accessToken"),
    ("intercom", {"accessToken": "tök€n"}, "credentials.accessToken"),
    ("zendesk", {"subdomain": "acme", "email": "a@b.c", "apiToken": "tökén€"},
     "credentials.apiToken"),
])
def test_a_secret_with_characters_no_http_header_carries_is_a_400(
    crm_api, provider, credentials, field
):
    response = crm_api.post(URL, {"provider": provider, "credentials": credentials},
                            format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not CrmConnection.objects.exists()


@pytest.mark.parametrize("instance_url", [
    "https://" + "a" * 300 + ".com",   # a DNS label over 63 characters
    "https://10.0.0.5",                # private
    "https://169.254.169.254",         # link-local (cloud metadata)
])
def test_a_salesforce_instance_url_must_be_a_public_address(
    crm_api, salesforce, connections_seen, instance_url
):
    body = sf_body(salesforce)
    body["credentials"]["instanceUrl"] = instance_url

    response = crm_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert "credentials.instanceUrl" in response.json()["error"]["fields"]
    assert not CrmConnection.objects.exists()
    # refused before any socket to a non-loopback address was opened
    assert [a for a in connections_seen
            if isinstance(a, tuple) and not a[0].startswith(("127.", "::1"))] == []


def test_loopback_instance_urls_are_refused_where_loopback_is_not_allowed(
    crm_api, salesforce, settings
):
    settings.WEBHOOK_ALLOW_LOOPBACK = False

    response = crm_api.post(URL, sf_body(salesforce), format="json")

    assert response.status_code == 400
    assert "credentials.instanceUrl" in response.json()["error"]["fields"]
    assert salesforce.requests == []  # the client secret was never sent there
    assert not CrmConnection.objects.exists()


def test_a_zendesk_custom_field_must_name_a_numeric_id(crm_api, zendesk, zendesk_connection):
    url = f"{URL}/{zendesk_connection.public_id}/field-mappings"

    response = crm_api.put(url, {"fieldMappings": [
        {"targetField": "custom_field:²", "fixedValue": "x"}]}, format="json")

    assert response.status_code == 400
    assert "custom_field:<its numeric id>" in response.json()["error"]["message"]
    assert crm_api.post(f"{URL}/{zendesk_connection.public_id}/test").status_code == 200

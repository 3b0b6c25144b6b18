"""/v1/api-keys and /v1/me: list, create (shown once), revoke and roll under keys:write."""
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from apikeys.models import ApiKey
from tests.factories import ApiKeyFactory

URL = "/v1/api-keys"


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_create_returns_the_key_once_and_it_works(api_client, workspace):
    response = api_client.post(URL, {"name": "Zapier", "scopes": ["chat:write", "reports:read"]})

    assert response.status_code == 201
    created = response.json()["data"]
    assert created["key"].startswith("mc_live_")
    assert created["name"] == "Zapier" and created["status"] == "active"
    assert created["scopes"] == ["chat:write", "reports:read"]
    assert bearer(created["key"]).get("/v1/me").json()["data"]["keyName"] == "Zapier"
    # Afterwards the secret is nowhere: not in the list, not in the detail.
    listing = api_client.get(URL).content.decode()
    detail = api_client.get(f"{URL}/{created['id']}").content.decode()
    assert created["key"] not in listing and created["key"] not in detail
    assert '"key"' not in detail


def test_lists_show_no_secret_and_no_hash(api_client, workspace):
    ApiKeyFactory(workspace=workspace, name="Webhook Integration")

    body = api_client.get(URL).json()

    assert body["pagination"]["total"] == 2
    for item in body["data"]:
        assert set(item) == {
            "id", "name", "kind", "prefix", "scopes", "allowedOrigins", "status",
            "createdAt", "expiresAt", "revokedAt", "lastUsedAt", "replacedBy", "rateLimit",
            "publishableKey", "snippet",
        }
        assert item["kind"] == "secret" and item["publishableKey"] is None
    raw = api_client.get(URL).content.decode()
    for api_key in ApiKey.objects.all():
        assert api_key.key_hash not in raw


@pytest.mark.parametrize(
    "body,field",
    [
        ({"scopes": ["chat:write"]}, "name"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["root"]}, "scopes"),
        ({"name": "x", "scopes": "chat:write"}, "scopes"),
        ({"name": "x", "scopes": ["chat:write"], "expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
        ({"name": "x", "scopes": ["chat:write"], "expiresAt": "soon"}, "expiresAt"),
    ],
)
def test_bad_create_input_is_a_400_naming_the_field(api_client, body, field):
    response = api_client.post(URL, body)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert ApiKey.objects.count() == 1


def test_a_key_cannot_grant_scopes_it_lacks(make_api_client, workspace):
    client = make_api_client(workspace, scopes=["keys:write", "chat:write"])

    response = client.post(URL, {"name": "escalate", "scopes": ["chat:write", "documents:write"]})

    assert response.status_code == 400
    assert "documents:write" in response.json()["error"]["fields"]["scopes"][0]


def test_every_endpoint_needs_keys_write(make_api_client, workspace):
    client = make_api_client(workspace, scopes=["chat:write"])
    target = ApiKeyFactory(workspace=workspace)

    for response in (
        client.get(URL),
        client.post(URL, {"name": "x", "scopes": ["chat:write"]}),
        client.get(f"{URL}/{target.public_id}"),
        client.post(f"{URL}/{target.public_id}/revoke"),
        client.post(f"{URL}/{target.public_id}/roll"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "insufficient_scope"
        assert "keys:write" in response.json()["error"]["message"]
    target.refresh_from_db()
    assert target.revoked_at is None and target.replaced_by is None


def test_revoke_stops_the_key_on_its_next_request(api_client, workspace):
    target = ApiKeyFactory(workspace=workspace)
    assert bearer(target.secret).get("/v1/me").status_code == 200

    response = api_client.post(f"{URL}/{target.public_id}/revoke")

    assert response.status_code == 200
    assert response.json()["data"]["status"] == "revoked"
    refused = bearer(target.secret).get("/v1/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "revoked_key"


def test_a_key_can_revoke_itself(api_client):
    response = api_client.post(f"{URL}/{api_client.api_key.public_id}/revoke")

    assert response.status_code == 200
    assert api_client.get("/v1/me").json()["error"]["code"] == "revoked_key"


def test_roll_keeps_the_old_key_for_the_grace_period_then_stops_it(api_client, workspace):
    start = timezone.now()
    old = ApiKeyFactory(workspace=workspace, name="CRM sync", scopes=["conversations:read"])

    with time_machine.travel(start, tick=False):
        response = api_client.post(f"{URL}/{old.public_id}/roll", {"gracePeriodSeconds": 3600})
    new = response.json()["data"]

    assert response.status_code == 201
    assert (new["name"], new["scopes"]) == ("CRM sync", ["conversations:read"])
    assert new["key"] != old.secret
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert bearer(old.secret).get("/v1/me").status_code == 200
        assert bearer(new["key"]).get("/v1/me").status_code == 200
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        expired = bearer(old.secret).get("/v1/me")
        assert expired.status_code == 401
        assert expired.json()["error"]["code"] == "expired_key"
        assert bearer(new["key"]).get("/v1/me").status_code == 200
    listed = {item["id"]: item for item in api_client.get(URL, {"limit": 100}).json()["data"]}
    assert listed[old.public_id]["replacedBy"] == new["id"]


def test_the_default_grace_period_is_24_hours(api_client, workspace):
    start = timezone.now()
    old = ApiKeyFactory(workspace=workspace)

    with time_machine.travel(start, tick=False):
        api_client.post(f"{URL}/{old.public_id}/roll")
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert bearer(old.secret).get("/v1/me").status_code == 200
    with time_machine.travel(start + timedelta(hours=24, seconds=1), tick=False):
        assert bearer(old.secret).get("/v1/me").status_code == 401


@pytest.mark.parametrize("grace", [-1, 31 * 86400, "a day"])
def test_a_bad_grace_period_is_a_400_and_rolls_nothing(api_client, workspace, grace):
    old = ApiKeyFactory(workspace=workspace)

    response = api_client.post(f"{URL}/{old.public_id}/roll", {"gracePeriodSeconds": grace})

    assert response.status_code == 400
    assert "gracePeriodSeconds" in response.json()["error"]["fields"]
    assert ApiKey.objects.filter(workspace=workspace).count() == 2


def test_a_revoked_or_already_rolled_key_does_not_roll(api_client, workspace):
    revoked = ApiKeyFactory(workspace=workspace, revoked_at=timezone.now())
    rolled = ApiKeyFactory(workspace=workspace)
    assert api_client.post(f"{URL}/{rolled.public_id}/roll").status_code == 201

    for target in (revoked, rolled):
        response = api_client.post(f"{URL}/{target.public_id}/roll")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "validation_error"
    assert ApiKey.objects.filter(workspace=workspace).count() == 4


def test_last_used_is_kept_within_a_minute_without_a_write_per_request(
    workspace, settings, django_assert_num_queries
):
    settings.API_KEY_CACHE_SECONDS = 3600  # the process keeps the key it read
    api_key = ApiKeyFactory(workspace=workspace)
    client = bearer(api_key.secret)
    start = timezone.now().replace(microsecond=0)

    with time_machine.travel(start, tick=False):
        client.get("/v1/me")
    api_key.refresh_from_db()
    assert api_key.last_used_at == start

    # No query at all: the key was read a moment ago, and its stamp is recent.
    with time_machine.travel(start + timedelta(seconds=30), tick=False), \
            django_assert_num_queries(0):
        client.get("/v1/me")
    api_key.refresh_from_db()
    assert api_key.last_used_at == start

    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get("/v1/me")
    api_key.refresh_from_db()
    assert api_key.last_used_at == start + timedelta(seconds=61)


def test_failed_requests_do_not_count_as_use(workspace):
    api_key = ApiKeyFactory(workspace=workspace, revoked_at=timezone.now())

    bearer(api_key.secret).get("/v1/me")

    api_key.refresh_from_db()
    assert api_key.last_used_at is None


def test_me_needs_no_particular_scope(make_api_client, workspace):
    response = make_api_client(workspace, scopes=[]).get("/v1/me")

    assert response.status_code == 200
    assert response.json()["data"]["scopes"] == []


@pytest.mark.parametrize("operation", ["roll", "revoke"])
def test_a_narrow_key_cannot_roll_or_revoke_a_broader_one(make_api_client, workspace, operation):
    narrow = make_api_client(workspace, scopes=["keys:write"])
    broad = ApiKeyFactory(workspace=workspace, name="Everything")

    response = narrow.post(f"{URL}/{broad.public_id}/{operation}", {"gracePeriodSeconds": 0})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "cannot act on a key with scopes it lacks" in response.json()["error"]["message"]
    assert ApiKey.objects.filter(workspace=workspace).count() == 2  # no successor minted
    assert bearer(broad.secret).get("/v1/me").status_code == 200  # and not cut off


def test_a_narrow_key_can_roll_a_key_within_its_scopes(make_api_client, workspace):
    narrow = make_api_client(workspace, scopes=["keys:write", "chat:write"])
    chat_only = ApiKeyFactory(workspace=workspace, name="Widget", scopes=["chat:write"])

    response = narrow.post(f"{URL}/{chat_only.public_id}/roll")

    assert response.status_code == 201
    assert response.json()["data"]["scopes"] == ["chat:write"]


def test_a_publishable_key_is_created_and_listed_with_its_origins_and_snippet(api_client):
    created = api_client.post(URL, {"name": "Shop widget", "kind": "publishable",
                                    "allowedOrigins": ["https://Shop.example.com/"]},
                              format="json")

    assert created.status_code == 201
    data = created.json()["data"]
    assert data["kind"] == "publishable" and data["scopes"] == []
    assert data["allowedOrigins"] == ["https://shop.example.com"]
    assert data["key"].startswith("mc_pub_") and data["publishableKey"] == data["key"]
    assert data["snippet"] == (
        f'<script src="http://testserver/widget.js" data-key="{data["key"]}" async></script>'
    )
    listed = {item["id"]: item for item in api_client.get(URL).json()["data"]}
    assert listed[data["id"]]["snippet"] == data["snippet"]
    assert listed[data["id"]]["kind"] == "publishable"


@pytest.mark.parametrize("body,field", [
    ({"name": "w", "kind": "publishable"}, "allowedOrigins"),
    ({"name": "w", "kind": "publishable", "allowedOrigins": ["https://*.example.com"]},
     "allowedOrigins"),
    ({"name": "w", "kind": "publishable", "allowedOrigins": ["https://a.example"],
      "scopes": ["chat:write"]}, "scopes"),
    ({"name": "w", "scopes": ["chat:write"], "allowedOrigins": ["https://a.example"]},
     "allowedOrigins"),
    ({"name": "w", "kind": "public", "allowedOrigins": ["https://a.example"]}, "kind"),
    ({"name": "w", "kind": "secret"}, "scopes"),
])
def test_keys_of_the_wrong_shape_are_400s(api_client, body, field):
    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert ApiKey.objects.count() == 1  # only the caller's own

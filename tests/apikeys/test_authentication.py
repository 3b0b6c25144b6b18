"""Bearer API keys over HTTP: every way a key can be wrong has its own 401 code."""
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from apikeys import keys
from apikeys.models import ApiKey
from tests.factories import ApiKeyFactory

ME = "/v1/me"


def get_me(key: str | None = None, header: str | None = None):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    elif key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get(ME)


def assert_401(response, code: str):
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_valid_key_reaches_its_workspace(workspace):
    api_key = ApiKeyFactory(workspace=workspace, name="Zapier", scopes=["chat:write"])

    response = get_me(api_key.secret)

    assert response.status_code == 200
    assert response.json()["data"] == {
        "workspaceId": workspace.public_id,
        "workspaceName": "Acme",
        "keyId": api_key.public_id,
        "keyName": "Zapier",
        "scopes": ["chat:write"],
        "expiresAt": None,
    }


def test_no_authorization_header_is_missing_credentials(db):
    assert_401(get_me(), "missing_credentials")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token mc_live_abc",
        "Bearer not-a-key",
        "Bearer mc_live_short",
        "Bearer a b",
    ],
)
def test_a_malformed_header_or_key_is_malformed_key(db, header):
    assert_401(get_me(header=header), "malformed_key")


def test_a_key_with_a_wrong_checksum_is_rejected_without_a_query(
    workspace, django_assert_num_queries
):
    api_key = ApiKeyFactory(workspace=workspace)
    typo = api_key.secret[:-1] + ("A" if api_key.secret[-1] != "A" else "B")

    with django_assert_num_queries(0):
        response = get_me(typo)

    assert_401(response, "malformed_key")


def test_a_well_formed_key_nobody_issued_is_unknown_key(db):
    assert_401(get_me(keys.generate().plaintext), "unknown_key")


def test_a_key_whose_secret_differs_from_the_stored_hash_is_unknown_key(workspace):
    api_key = ApiKeyFactory(workspace=workspace)
    forged = keys.generate().plaintext
    # Same identifier, other secret, valid checksum: only the hash can tell.
    body = keys.PREFIX + api_key.identifier + forged[len(keys.PREFIX) + keys.IDENTIFIER_LENGTH:
                                                    -keys.CHECKSUM_LENGTH]
    forged_same_id = body + keys._checksum(body)

    assert keys.parse_identifier(forged_same_id) == api_key.identifier
    assert_401(get_me(forged_same_id), "unknown_key")


def test_a_key_revoked_by_another_server_is_refused_within_the_cache_time(workspace, settings):
    settings.API_KEY_CACHE_SECONDS = 0.3
    api_key = ApiKeyFactory(workspace=workspace)
    assert get_me(api_key.secret).status_code == 200

    # another process revokes it: this one notices when its copy is older than the cache time
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    time.sleep(0.35)

    assert_401(get_me(api_key.secret), "revoked_key")


def test_a_busy_key_costs_one_lookup_per_cache_time(workspace, settings,
                                                    django_assert_num_queries):
    settings.API_KEY_CACHE_SECONDS = 3600
    api_key = ApiKeyFactory(workspace=workspace)
    get_me(api_key.secret)

    with django_assert_num_queries(0):
        for _ in range(5):
            assert get_me(api_key.secret).status_code == 200


def test_a_key_stops_working_when_it_expires(workspace):
    now = timezone.now()
    api_key = ApiKeyFactory(workspace=workspace, expires_at=now + timedelta(days=1))

    with time_machine.travel(now + timedelta(hours=23), tick=False):
        assert get_me(api_key.secret).status_code == 200
    with time_machine.travel(now + timedelta(days=1, seconds=1), tick=False):
        assert_401(get_me(api_key.secret), "expired_key")


def test_the_bearer_scheme_is_case_insensitive(workspace):
    api_key = ApiKeyFactory(workspace=workspace)

    assert get_me(header=f"bearer {api_key.secret}").status_code == 200


def test_the_hash_is_all_that_is_stored(workspace):
    api_key = ApiKeyFactory(workspace=workspace)
    row = ApiKey.objects.filter(pk=api_key.pk).values().get()

    assert api_key.secret not in str(row)
    assert row["key_hash"] == keys.key_hash(api_key.secret)


def test_a_malformed_body_with_a_valid_key_is_a_400(workspace):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiKeyFactory(workspace=workspace).secret}")

    response = client.post("/v1/api-keys", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"

"""Per-key rates on the shared cache: 429 with Retry-After, default rate or the key's own."""
from datetime import UTC, datetime, timedelta

import time_machine
from rest_framework.test import APIClient

from tests.factories import ApiKeyFactory

# The start of a minute, so the one-minute window is the same for every request below.
START = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_key_over_its_own_rate_gets_429_with_retry_after(workspace):
    api_key = ApiKeyFactory(workspace=workspace, rate_limit="3/min")
    client = bearer(api_key.secret)

    with time_machine.travel(START + timedelta(seconds=20), tick=False):
        statuses = [client.get("/v1/me").status_code for _ in range(4)]
        refused = client.get("/v1/me")

    assert statuses == [200, 200, 200, 429]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Retry-After"] == "40"
    with time_machine.travel(START + timedelta(seconds=61), tick=False):
        assert client.get("/v1/me").status_code == 200


def test_the_default_rate_comes_from_settings(workspace, settings):
    settings.API_KEY_THROTTLE_RATE = "2/min"
    client = bearer(ApiKeyFactory(workspace=workspace).secret)

    with time_machine.travel(START, tick=False):
        statuses = [client.get("/v1/me").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_keys_are_counted_separately(workspace):
    busy = bearer(ApiKeyFactory(workspace=workspace, rate_limit="1/min").secret)
    calm = bearer(ApiKeyFactory(workspace=workspace, rate_limit="1/min").secret)

    with time_machine.travel(START, tick=False):
        assert busy.get("/v1/me").status_code == 200
        assert busy.get("/v1/me").status_code == 429
        assert calm.get("/v1/me").status_code == 200


def test_refused_credentials_are_not_throttled_into_a_429(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer mc_live_nonsense")

    statuses = {client.get("/v1/me").status_code for _ in range(5)}

    assert statuses == {401}

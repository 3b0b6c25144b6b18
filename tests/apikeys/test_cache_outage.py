"""A shared-cache (Redis) outage delays nothing on the API: the throttle fails open, logged
and counted, against a redis-server of the test's own that is stopped mid-test."""
import logging
from datetime import UTC, datetime

import time_machine

from metachat.shared_cache import cache_failures
from tests.factories import ApiKeyFactory


def _failures() -> float:
    return cache_failures.labels(operation="throttle")._value.get()


def test_the_api_answers_while_the_shared_cache_is_down(
    workspace, make_api_client, settings, own_redis, caplog
):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": own_redis.url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    client = make_api_client(workspace)
    # a low rate: counted on the cache request by request (a busy key's chunk is spent locally)
    client.api_key.rate_limit = "10/min"
    client.api_key.save(update_fields=["rate_limit"])
    assert client.get("/v1/me").status_code == 200  # counted on the test's Redis
    failures_before = _failures()

    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="metachat.shared_cache"):
        responses = [client.get("/v1/me") for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0].json()["data"]["workspaceName"] == "Acme"
    assert _failures() == failures_before + 3
    assert "shared cache unavailable, throttle let through" in caplog.text


def test_the_throttle_still_counts_while_the_cache_is_up(workspace, settings, own_redis):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": own_redis.url}}
    api_key = ApiKeyFactory(workspace=workspace, rate_limit="2/min")
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.secret}")

    with time_machine.travel(datetime(2030, 1, 1, 12, 0, 10, tzinfo=UTC), tick=False):
        statuses = [client.get("/v1/me").status_code for _ in range(3)]

    assert statuses[:2] == [200, 200] and statuses[2] == 429

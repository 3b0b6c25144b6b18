"""Publishable widget keys: their kind, allowed origins, CORS only to those origins, refusals
and their own throttles; secret keys refused from browsers."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from apikeys import keys
from apikeys.models import ApiKey
from apikeys.origins import origin_allowed, origin_normalise
from apikeys.services import api_key_create, api_key_revoke, api_key_roll
from tests.factories import ApiKeyFactory, PublishableKeyFactory

SHOP = "https://shop.example.com"
START = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


def config(key: str, *, origin: str | None = SHOP, client=None, **headers):
    client = client or APIClient()
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    return client.get(f"/v1/widget/{key}/config", **headers)


# --- the key kind ---------------------------------------------------------------------------
def test_a_publishable_key_is_recognisable_and_keeps_its_plaintext_for_the_snippet(workspace):
    api_key, plaintext = api_key_create(workspace=workspace, name="Shop widget",
                                        kind="publishable", allowed_origins=[SHOP + "/"])

    assert plaintext.startswith("mc_pub_") and len(plaintext) == keys.KEY_LENGTH - 1
    assert keys.parse_publishable_identifier(plaintext) == api_key.identifier
    assert keys.parse_identifier(plaintext) is None  # never a secret key
    assert api_key.publishable_key == plaintext
    assert api_key.prefix.startswith("mc_pub_")
    assert api_key.scopes == [] and api_key.allowed_origins == [SHOP]


def test_a_secret_key_keeps_no_plaintext(workspace):
    api_key, plaintext = api_key_create(workspace=workspace, name="Server", scopes=["chat:write"])

    assert api_key.kind == "secret" and api_key.publishable_key == ""
    assert plaintext not in str(ApiKey.objects.filter(pk=api_key.pk).values().get())


@pytest.mark.parametrize("kwargs,field", [
    ({"kind": "publishable", "allowed_origins": []}, "allowed_origins"),
    ({"kind": "publishable", "allowed_origins": [SHOP], "scopes": ["chat:write"]}, "scopes"),
    ({"kind": "secret", "scopes": ["chat:write"], "allowed_origins": [SHOP]}, "allowed_origins"),
    ({"kind": "publishable", "allowed_origins": ["shop.example.com"]}, "allowed_origins"),
    ({"kind": "root"}, "kind"),
])
def test_keys_of_the_wrong_shape_are_refused(workspace, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        api_key_create(workspace=workspace, name="x", **kwargs)

    assert field in refused.value.message_dict
    assert not ApiKey.objects.exists()


def test_rolling_a_publishable_key_keeps_its_kind_and_origins(workspace):
    old = PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP])

    new, plaintext = api_key_roll(api_key=old)

    assert new.kind == "publishable" and new.allowed_origins == [SHOP]
    assert plaintext.startswith("mc_pub_") and new.publishable_key == plaintext


# --- origins --------------------------------------------------------------------------------
@pytest.mark.parametrize("value,normalised", [
    ("https://Shop.Example.com/", "https://shop.example.com"),
    ("http://localhost:*", "http://localhost:*"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("https://shop.example.com:8443", "https://shop.example.com:8443"),
])
def test_origins_are_normalised(value, normalised):
    assert origin_normalise(value) == normalised


@pytest.mark.parametrize("value", [
    "shop.example.com", "ftp://shop.example.com", "https://shop.example.com/path",
    "https://*.example.com", "https://shop.example.com:*", "https://user:pw@shop.example.com",
    "https://shop.example.com?x=1", "", "https://shop.example.com:99999",
])
def test_what_is_not_a_bare_origin_is_refused(value):
    with pytest.raises(ValidationError):
        origin_normalise(value)


@pytest.mark.parametrize("origin,allowed", [
    (SHOP, True),
    ("https://shop.example.com:443", False),  # browsers never send the default port
    ("http://shop.example.com", False),
    ("https://evil-shop.example.com", False),
    ("https://shop.example.com.evil.com", False),
    ("http://localhost:5173", True),
    ("http://localhost", False),
    ("null", False),
    (None, False),
])
def test_an_origin_matches_exactly_or_by_the_localhost_port_wildcard(origin, allowed):
    assert origin_allowed(origin, [SHOP, "http://localhost:*"]) is allowed


# --- CORS and refusals ----------------------------------------------------------------------
def test_cors_headers_go_only_to_the_keys_allowed_origins(workspace):
    api_key = PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP])

    allowed = config(api_key.secret)
    refused = config(api_key.secret, origin="https://evil.example.com")

    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == SHOP
    assert "origin" in allowed["Vary"].lower()
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in refused


def test_a_preflight_is_answered_for_the_keys_origins_only(workspace):
    api_key = PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP])
    other = PublishableKeyFactory(workspace=workspace, allowed_origins=["https://other.example"])
    client = APIClient()

    def preflight(key, origin):
        return client.options(f"/v1/widget/{key}/messages", HTTP_ORIGIN=origin,
                              HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                              HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-visitor-id")

    allowed = preflight(api_key.secret, SHOP)
    # An origin another key allows gets nothing for this key.
    crossed = preflight(api_key.secret, "https://other.example")
    assert preflight(other.secret, "https://other.example")["Access-Control-Allow-Origin"]

    assert allowed["Access-Control-Allow-Origin"] == SHOP
    assert "x-visitor-id" in allowed["Access-Control-Allow-Headers"]
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in crossed


def test_the_rest_of_the_api_never_sends_cors_headers(api_client):
    response = api_client.get("/v1/me", HTTP_ORIGIN=SHOP)
    preflight = APIClient().options("/v1/chat", HTTP_ORIGIN=SHOP,
                                    HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight


def test_a_request_without_an_origin_is_refused(workspace):
    api_key = PublishableKeyFactory(workspace=workspace)

    response = config(api_key.secret, origin=None)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"


@pytest.mark.parametrize("mangle,code,status", [
    (lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"), "malformed_key", 401),
    (lambda key: "nonsense", "malformed_key", 401),
])
def test_malformed_widget_keys_are_refused(workspace, mangle, code, status):
    api_key = PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP])

    response = config(mangle(api_key.secret))

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "Access-Control-Allow-Origin" not in response


def test_revoked_and_unknown_widget_keys_are_refused(workspace):
    revoked = PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP])
    api_key_revoke(api_key=revoked)
    body = keys.PUBLISHABLE_PREFIX + "x" * keys.IDENTIFIER_LENGTH + "y" * keys.SECRET_LENGTH
    unknown = body + keys._checksum(body)

    assert config(revoked.secret).json()["error"]["code"] == "revoked_key"
    assert "Access-Control-Allow-Origin" not in config(revoked.secret)
    assert config(unknown).json()["error"]["code"] == "unknown_key"


def test_a_publishable_key_cannot_call_the_rest_of_the_api(workspace):
    api_key = PublishableKeyFactory(workspace=workspace)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.secret}")

    for path in ("/v1/me", "/v1/conversations", "/v1/api-keys"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "malformed_key"


def test_a_secret_key_on_the_widget_endpoints_is_refused_with_a_hint(workspace):
    secret = ApiKeyFactory(workspace=workspace)

    response = config(secret.secret)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "secret_key_in_browser"
    assert "publishable key" in response.json()["error"]["message"]


def test_a_secret_key_sent_from_a_browser_origin_is_refused(workspace):
    secret = ApiKeyFactory(workspace=workspace)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret.secret}")

    from_page = client.get("/v1/me", HTTP_ORIGIN=SHOP)
    same_origin = client.get("/v1/me", HTTP_ORIGIN="http://testserver")
    from_server = client.get("/v1/me")

    assert from_page.status_code == 403
    assert from_page.json()["error"]["code"] == "secret_key_in_browser"
    assert "use a publishable key" in from_page.json()["error"]["message"]
    assert same_origin.status_code == 200  # the product's own API docs page
    assert from_server.status_code == 200


# --- throttles ------------------------------------------------------------------------------
def test_each_visitor_ip_has_its_own_rate(workspace, settings):
    settings.WIDGET_VISITOR_THROTTLE_RATE = "2/min"
    api_key = PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP])

    with time_machine.travel(START + timedelta(seconds=15), tick=False):
        first = [config(api_key.secret, REMOTE_ADDR="203.0.113.7").status_code
                 for _ in range(3)]
        refused = config(api_key.secret, REMOTE_ADDR="203.0.113.7")
        other_visitor = config(api_key.secret, REMOTE_ADDR="198.51.100.9")

    assert first == [200, 200, 429]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Retry-After"] == "45"
    # The widget reads Retry-After to tell the visitor how long to wait.
    assert refused["Access-Control-Allow-Origin"] == SHOP
    assert "retry-after" in refused["Access-Control-Expose-Headers"].lower()
    assert other_visitor.status_code == 200


def test_all_visitors_of_a_key_share_the_keys_rate(workspace, settings):
    settings.WIDGET_KEY_THROTTLE_RATE = "3/min"
    api_key = PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP])
    other = PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP])

    with time_machine.travel(START, tick=False):
        statuses = [config(api_key.secret, REMOTE_ADDR=f"203.0.113.{n}").status_code
                    for n in range(4)]
        other_key = config(other.secret, REMOTE_ADDR="203.0.113.99").status_code

    assert statuses == [200, 200, 200, 429]
    assert other_key == 200


def test_a_key_with_its_own_rate_uses_it(workspace, settings):
    settings.WIDGET_KEY_THROTTLE_RATE = "1000/min"
    api_key = PublishableKeyFactory(workspace=workspace, allowed_origins=[SHOP],
                                    rate_limit="1/min")

    with time_machine.travel(START, tick=False):
        statuses = [config(api_key.secret, REMOTE_ADDR=f"203.0.113.{n}").status_code
                    for n in range(2)]

    assert statuses == [200, 429]

"""One egress for every outbound call: webhooks and all five CRM libraries go through the
same pinned, address-checked, redirect-refusing session, on one set of pools per process."""
import ipaddress
import socket
import threading

import pytest

from integrations.crm.models import CrmConnection
from integrations.crm.providers.base import CrmConfigError, CrmSession
from integrations.crm.services import CrmInputError, crm_connection_connect, crm_records_push
from integrations.egress import address_allowed, egress_session, shared_adapters
from integrations.webhooks.ssrf import UnsafeURL, check_url
from integrations.webhooks.transport import webhook_post
from tests.integrations.crm.payloads import ended

SECRET = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]

# Special-purpose IPv6 forms that embed or stand for internal addresses.
RESERVED_IPV6 = [
    "http://[::7f00:1]/hook",            # IPv4-compatible ::127.0.0.1
    "http://[::a00:1]/hook",             # IPv4-compatible ::10.0.0.1
    "http://[::ffff:0:a00:1]/hook",      # IPv4-translated ::ffff:0:10.0.0.1
    "http://[::ffff:0:7f00:1]/hook",     # IPv4-translated ::ffff:0:127.0.0.1
    "http://[fec0::1]/hook",             # site-local
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "http://[2002:a00:1::1]/hook",       # 6to4 of 10.0.0.1
    "http://[2001:db8::1]/hook",         # documentation
    "http://[100::1]/hook",              # discard-only
]
RESERVED_IPV4 = ["http://192.0.0.170/hook", "http://198.18.0.1/hook", "http://192.0.2.1/hook",
                 "http://255.255.255.255/hook", "http://203.0.113.9/hook"]


def _non_loopback(addresses):
    return [a for a in addresses if not ipaddress.ip_address(a[0].split("%")[0]).is_loopback]


@pytest.mark.parametrize("url", RESERVED_IPV6 + RESERVED_IPV4)
def test_special_purpose_addresses_are_refused_even_where_loopback_is_allowed(
    settings, url, connections_seen
):
    settings.WEBHOOK_ALLOW_LOOPBACK = True  # as in tests and development: still refused

    with pytest.raises(UnsafeURL):
        check_url(url)
    result = webhook_post(url=url, payload={"event": "x"}, message_id="evt_1",
                          signing_secrets=SECRET)

    assert result.ok is False and result.error.startswith("refused:")
    assert _non_loopback(connections_seen) == []


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111",
                                     "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert address_allowed(ipaddress.ip_address(address), allow_loopback=False)


def test_a_salesforce_token_endpoint_redirect_is_not_followed(
    workspace, salesforce, salesforce_credentials, connections_seen
):
    # Given a token endpoint that bounces the login (and its client secret) to the metadata service
    salesforce.redirect_token_to = "http://169.254.169.254/latest/meta-data/iam"

    # When the connection is made, then it is refused, saying why, and nothing is saved
    with pytest.raises(CrmInputError) as refused:
        crm_connection_connect(workspace=workspace, provider="salesforce", name="Sales",
                               credentials=salesforce_credentials)

    assert "redirect" in refused.value.message
    assert "http://169.254.169.254" in refused.value.message
    assert "meta-data" not in refused.value.message
    assert salesforce.paths("POST") == ["/services/oauth2/token"]
    assert _non_loopback(connections_seen) == []
    assert not CrmConnection.objects.exists()


@pytest.fixture
def rebinding_dns(monkeypatch):
    """`crm.rebind.test` resolves to a public address on the first lookup (the check when
    saving) and to 10.0.0.1 on every later one (the connect)."""
    real = socket.getaddrinfo
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "crm.rebind.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "93.184.215.14" if len(lookups) == 1 else "10.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 443))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_a_name_that_turns_private_at_connect_time_is_refused_before_any_socket_opens(
    workspace, rebinding_dns, connections_seen
):
    with pytest.raises(CrmInputError) as refused:
        crm_connection_connect(
            workspace=workspace, provider="salesforce", name="Sales",
            credentials={"instance_url": "https://crm.rebind.test", "client_id": "id",
                         "client_secret": "secret-that-must-not-leave"},
        )

    assert len(rebinding_dns) == 2  # checked when saving, resolved again to connect
    assert "10.0.0.1, which is not a public address" in refused.value.message
    assert connections_seen == []  # not even a connect to the address it was pinned to


CONNECTIONS = ["salesforce_connection", "hubspot_connection", "zendesk_connection",
               "intercom_connection", "pipedrive_connection"]


@pytest.mark.parametrize("connection_fixture", CONNECTIONS)
def test_every_crm_library_sends_through_the_address_check(
    request, settings, connection_fixture, connections_seen
):
    # Given a connection to a local stand-in, made while loopback was allowed
    connection = request.getfixturevalue(connection_fixture)
    fake = request.getfixturevalue(connection.provider)
    seen_before = len(fake.requests)
    # When loopback is refused (as in production) and a record is pushed
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(CrmConfigError) as refused:
        crm_records_push(connection=connection, payloads=[ended()])

    # Then the library's request never left: the stand-in saw nothing more
    assert "127.0.0.1, which is not a public address" in refused.value.message
    assert len(fake.requests) == seen_before
    connection.refresh_from_db()
    assert connection.status == CrmConnection.Status.ERROR


def test_webhooks_and_crms_share_one_set_of_pools_sized_by_the_setting(settings):
    adapters = shared_adapters()

    assert egress_session().adapters["https://"] is adapters["https://"]
    assert CrmSession().adapters["https://"] is adapters["https://"]
    assert CrmSession().adapters["http://"] is egress_session().adapters["http://"]
    assert adapters["https://"]._pool_maxsize == settings.EGRESS_POOL_SIZE


def test_the_shared_session_keeps_connections_alive_across_threads(receiver):
    results = []

    def post():
        for _ in range(5):
            results.append(webhook_post(url=receiver.url, payload={"event": "x"},
                                        message_id="evt_1", signing_secrets=SECRET))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(results) == 20 and all(r.ok for r in results)
    # 20 requests from 4 threads over at most one connection per thread: kept alive, pooled
    assert receiver.connections <= 4


def test_cookies_set_by_one_receiver_never_travel_to_the_next(make_receiver):
    from tests.receivers import Answer

    first = make_receiver(default=Answer(200, b"ok", {"Set-Cookie": "session=abc; Path=/"}))
    second = make_receiver()

    webhook_post(url=first.url, payload={}, message_id="evt_1", signing_secrets=SECRET)
    webhook_post(url=first.url, payload={}, message_id="evt_2", signing_secrets=SECRET)
    webhook_post(url=second.url, payload={}, message_id="evt_3", signing_secrets=SECRET)

    assert all("cookie" not in r.headers for r in first.requests + second.requests)

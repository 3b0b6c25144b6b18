"""Webhooks reach only public addresses: refused on save and at every delivery, before any
connection is attempted (watched through Python's socket audit hook)."""
import ipaddress

import pytest
from django.core.exceptions import ValidationError

from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.models import Delivery
from integrations.services import webhook_create
from integrations.webhooks.ssrf import UnsafeURL, check_url
from integrations.webhooks.transport import webhook_post
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.factories import WebhookFactory
from tests.receivers import Answer

FORBIDDEN = [
    "http://10.0.0.1/hook",                  # private
    "http://172.16.5.4/hook",                # private
    "http://192.168.1.10:8080/hook",         # private
    "http://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
    "http://100.64.0.1/hook",                # CGNAT
    "http://224.0.0.1/hook",                 # multicast
    "http://240.0.0.1/hook",                 # reserved
    "http://0.0.0.0/hook",                   # unspecified
    "http://[fd00::1]/hook",                 # IPv6 unique local
    "http://[fe80::1]/hook",                 # IPv6 link-local
    "http://[ff02::1]/hook",                 # IPv6 multicast
    "http://[::ffff:10.0.0.1]/hook",         # IPv4-mapped IPv6 of a private address
    "http://[::ffff:169.254.169.254]/hook",  # IPv4-mapped IPv6 of link-local
    "http://0xa9fea9fe/hook",                # a host name the resolver turns into 169.254.169.254
    "http://167772161/hook",                 # a host name the resolver turns into 10.0.0.1
]
LOOPBACK = ["http://127.0.0.1/hook", "http://[::1]/hook", "http://localhost/hook",
            "http://[::ffff:127.0.0.1]/hook", "http://2130706433/hook"]


def _non_loopback(addresses):
    return [a for a in addresses if not ipaddress.ip_address(a[0].split("%")[0]).is_loopback]


@pytest.mark.parametrize("url", FORBIDDEN)
def test_a_webhook_to_a_private_or_reserved_address_cannot_be_saved(
    workspace, url, connections_seen
):
    with pytest.raises(ValidationError) as refused:
        webhook_create(workspace=workspace, name="Internal", url=url, events=["*"])

    assert "public addresses" in refused.value.message_dict["url"][0]
    assert _non_loopback(connections_seen) == []


@pytest.mark.parametrize("url", FORBIDDEN)
def test_a_delivery_to_a_forbidden_address_is_refused_before_connecting(url, connections_seen):
    result = webhook_post(url=url, payload={"event": "x"}, message_id="evt_1",
                          signing_secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])

    assert result.ok is False and result.status is None
    assert result.error.startswith("refused:")
    assert _non_loopback(connections_seen) == []


@pytest.mark.parametrize("url", LOOPBACK)
def test_loopback_is_refused_unless_the_setting_allows_it(settings, url):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(UnsafeURL):
        check_url(url)

    settings.WEBHOOK_ALLOW_LOOPBACK = True
    check_url(url)


def test_production_settings_refuse_loopback():
    import subprocess
    import sys

    code = "import django; django.setup(); from django.conf import settings; " \
           "print(settings.WEBHOOK_ALLOW_LOOPBACK)"
    env = {"DJANGO_SETTINGS_MODULE": "metachat.settings", "DEBUG": "false",
           "METACHAT_VAR_DIR": "/tmp/metachat-test-var", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_saved_webhook_whose_target_is_now_forbidden_gets_no_connection(
    transactional_db, settings, workspace, receiver, connections_seen
):
    # Given a webhook to a loopback receiver saved while loopback was allowed
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event) or Delivery.objects.filter(event=event)
    # When the address is forbidden at delivery time (as in production)
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    # Then the attempt is logged as refused and the receiver saw not even a connection
    delivery.refresh_from_db()
    attempt = delivery.attempts.get()
    assert attempt.error.startswith("refused:") and attempt.response_status is None
    assert delivery.status == "pending" and delivery.attempt_count == 1
    assert receiver.connections == 0 and receiver.requests == []
    assert webhook.pk == delivery.destination_id


def test_redirects_are_not_followed(receiver, connections_seen):
    receiver.answer(Answer(302, b"", {"Location": "http://169.254.169.254/latest/meta-data"}))

    result = webhook_post(url=receiver.url, payload={"event": "x"}, message_id="evt_1",
                          signing_secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])

    assert result.ok is False and result.status == 302
    assert "redirects are not followed" in result.error
    assert len(receiver.requests) == 1
    # the audit hook does see connections: the one to the receiver, and nothing else
    assert {a[1] for a in connections_seen} >= {receiver.server.server_address[1]}
    assert _non_loopback(connections_seen) == []


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http:///nohost", "http://u:p@example.com/"])
def test_urls_that_are_not_plain_http_are_refused(url):
    with pytest.raises(UnsafeURL):
        check_url(url)

"""Operators see webhook health at a glance, test, enable, redeliver; logs are read-only."""
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.models import Delivery, Webhook
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.factories import MembershipFactory, WebhookFactory
from tests.receivers import Answer


def _login(client, operator):
    client.force_login(operator)
    return client


def test_the_list_shows_active_failing_and_disabled(client, operator, workspace, other_workspace):
    WebhookFactory(workspace=workspace, name="Healthy")
    failing = WebhookFactory(workspace=workspace, name="Flaky")
    Webhook.objects.filter(pk=failing.pk).update(failing_since="2026-01-01T00:00:00Z")
    WebhookFactory(workspace=workspace, name="Dead", active=False)
    WebhookFactory(workspace=other_workspace, name="Theirs")

    page = _login(client, operator).get(reverse("admin:integrations_webhook_changelist"))

    html = page.content.decode()
    assert page.status_code == 200
    assert ">Active<" in html and ">Failing<" in html and ">Disabled<" in html
    assert "Theirs" not in html
    for webhook in Webhook.objects.all():
        assert webhook.secrets[0]["secret"] not in html


def test_creating_a_webhook_checks_the_url_and_shows_the_secret_once(
    client, operator, workspace, receiver
):
    client = _login(client, operator)
    url = reverse("admin:integrations_webhook_add")

    refused = client.post(url, {"workspace": workspace.pk, "name": "Internal", "url": "http://10.1.2.3/x",
                                "events": ["*"], "active": "on"})
    assert refused.status_code == 200 and "public addresses" in refused.content.decode()
    assert not Webhook.objects.exists()

    created = client.post(url, {"workspace": workspace.pk, "name": "Orders", "url": receiver.url,
                                "events": ["message.sent"], "active": "on"},
                          follow=True)
    webhook = Webhook.objects.get()
    assert webhook.events == ["message.sent"] and webhook.workspace == workspace
    assert webhook.secrets[0]["secret"] in created.content.decode()
    change = client.get(reverse("admin:integrations_webhook_change", args=[webhook.pk]))
    assert webhook.secrets[0]["secret"] not in change.content.decode()


def test_the_webhook_page_shows_recent_deliveries_with_attempts(
    transactional_db, client, operator, workspace, receiver
):
    receiver.answer(Answer(500))
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data={"x": 1})
    [delivery] = event_dispatch(event=event)
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    page = _login(client, operator).get(
        reverse("admin:integrations_webhook_change", args=[webhook.pk])
    )

    html = page.content.decode()
    assert event.public_id in html and "#1 HTTP 500 (" in html
    log = client.get(reverse("admin:integrations_delivery_change", args=[delivery.pk]))
    assert log.status_code == 200 and "HTTP 500" in log.content.decode()
    assert b'name="_save"' not in log.content  # read-only
    # The attempt log is there for the operator (the workspace rule, not model permissions).
    attempt = delivery.attempts.get()
    took = rf'class="field-attempt_duration">\s*<p>{attempt.duration_ms:.0f} ms</p>'
    assert "Took" in log.content.decode() and re.search(took, log.content.decode())
    attempts = client.get(reverse("admin:integrations_attempt_changelist")).content.decode()
    assert f"{attempt.duration_ms:.0f} ms" in attempts and "Duration ms" not in attempts


def test_test_enable_and_redeliver_actions(transactional_db, client, operator, workspace,
                                           receiver):
    client = _login(client, operator)
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, active=False,
                             disabled_reason="Disabled automatically")

    client.post(reverse("admin:integrations_webhook_changelist"),
                {"action": "send_test", "_selected_action": [webhook.pk]})
    assert [r.headers["webhook-id"] for r in receiver.requests]
    assert receiver.requests[0].body.count(b"webhook.test") == 1

    client.post(reverse("admin:integrations_webhook_changelist"),
                {"action": "enable_selected", "_selected_action": [webhook.pk]})
    webhook.refresh_from_db()
    assert webhook.status == "active" and webhook.disabled_reason == ""

    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event)
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)
    client.post(reverse("admin:integrations_delivery_changelist"),
                {"action": "redeliver_selected", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at is not None
    delivery_send(delivery_pk=delivery.pk, attempts_made=1)
    assert Delivery.objects.get(pk=delivery.pk).attempts.count() == 2

    client.post(reverse("admin:events_event_changelist"),
                {"action": "redeliver_selected", "_selected_action": [event.pk]})
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"


def test_another_workspaces_logs_are_not_found(client, operator, other_workspace):
    theirs = WebhookFactory(workspace=other_workspace)
    event = event_publish(workspace=other_workspace, type=EventType.USER_STARTED, data={})
    delivery = Delivery.objects.create(workspace=other_workspace, event=event,
                                       destination_kind="webhook", destination_id=theirs.pk)
    client = _login(client, operator)

    for url in (reverse("admin:integrations_webhook_change", args=[theirs.pk]),
                reverse("admin:integrations_delivery_change", args=[delivery.pk])):
        assert client.get(url).status_code == 404
    deliveries = client.get(reverse("admin:integrations_delivery_changelist"))
    assert list(deliveries.context["cl"].result_list) == []


def test_ticking_active_again_in_the_form_resumes_waiting_deliveries(
    transactional_db, client, operator, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, events=["*"])
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event)
    Webhook.objects.filter(pk=webhook.pk).update(active=False, disabled_reason="Disabled")
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)  # paused: not sent
    assert Delivery.objects.get(pk=delivery.pk).next_attempt_at is None

    _login(client, operator).post(
        reverse("admin:integrations_webhook_change", args=[webhook.pk]),
        {"workspace": workspace.pk, "name": webhook.name, "url": receiver.url, "events": ["*"],
         "description": "", "active": "on"},
    )

    webhook.refresh_from_db()
    assert webhook.status == "active" and webhook.disabled_reason == ""
    assert Delivery.objects.get(pk=delivery.pk).next_attempt_at is not None
    assert receiver.requests == []


def test_a_webhook_cannot_be_moved_to_another_workspace(
    transactional_db, client, operator, workspace, other_workspace, receiver
):
    MembershipFactory(workspace=other_workspace, user=operator)  # owns both
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, events=["*"], name="Orders")
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event)
    client = _login(client, operator)
    change_url = reverse("admin:integrations_webhook_change", args=[webhook.pk])

    response = client.post(change_url, {
        "workspace": other_workspace.pk, "name": "Renamed", "url": receiver.url,
        "events": ["*"], "description": "", "active": "on",
    })

    assert response.status_code == 302  # the rest of the form was saved
    webhook.refresh_from_db()
    assert webhook.name == "Renamed" and webhook.workspace == workspace
    assert b'name="workspace"' not in client.get(change_url).content
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)
    assert Delivery.objects.get(pk=delivery.pk).status == "succeeded"
    assert len(receiver.requests) == 1


def test_deleting_a_webhook_in_the_admin_cancels_its_waiting_deliveries(
    client, operator, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    due, parked = (
        Delivery.objects.create(
            workspace=workspace, destination_kind="webhook", destination_id=webhook.pk,
            event=event_publish(workspace=workspace, type=EventType.USER_STARTED, data={}),
            next_attempt_at=next_attempt_at,
        )
        for next_attempt_at in (timezone.now(), None)  # None: waiting on a disabled webhook
    )
    _login(client, operator)

    response = client.post(
        reverse("admin:integrations_webhook_delete", args=[webhook.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Webhook.objects.exists()
    assert {d.status for d in Delivery.objects.filter(pk__in=[due.pk, parked.pk])} == {
        Delivery.Status.CANCELLED}
    assert receiver.requests == []


def test_the_deliveries_list_looks_destinations_up_once_per_page(
    client, operator, workspace
):
    client = _login(client, operator)
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={})
    listing = reverse("admin:integrations_delivery_changelist")

    def add(name):
        webhook = WebhookFactory(workspace=workspace, name=name)
        Delivery.objects.create(workspace=workspace, event=event, destination_kind="webhook",
                                destination_id=webhook.pk)

    add("Orders")
    client.get(listing)  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.get(listing)
    add("Tickets")
    add("Leads")
    Delivery.objects.create(workspace=workspace, event=event, destination_kind="webhook",
                            destination_id=10**9)
    with CaptureQueriesContext(connection) as four:
        page = client.get(listing)

    html = page.content.decode()
    for name in ("Orders", "Tickets", "Leads"):
        assert f"Webhook “{name}”" in html
    assert "A deleted webhook" in html
    # Three more rows: at most one query each, for the row's name in its checkbox label
    # (`str(delivery)`); the Destination column looks destinations up once per page.
    assert len(four) - len(one) <= 3

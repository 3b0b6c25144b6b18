"""Recover: an operator re-sends every failed delivery of a destination since a time, as one
logged operation, from the API and from the admin."""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations.delivery.dispatch import event_dispatch
from integrations.models import Delivery, Recovery
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.factories import WebhookFactory
from tests.helpers import wait_until


def _failed_deliveries(workspace, webhook, ages_in_hours):
    """Deliveries to `webhook` that gave up, created that many hours ago."""
    made = []
    for hours in ages_in_hours:
        with transaction.atomic():  # a running worker sees them only as failed
            event = event_publish(workspace=workspace, type=EventType.USER_STARTED,
                                  data={"userId": f"u{hours}"})
            [delivery] = event_dispatch(event=event)
            Delivery.objects.filter(pk=delivery.pk).update(
                status="failed", next_attempt_at=None, attempt_count=8, last_error="HTTP 500",
                created_at=timezone.now() - timedelta(hours=hours))
        made.append(delivery)
    return made


def test_recover_resends_the_failures_since_a_time_and_logs_it(
    celery_worker, make_api_client, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    recent, older, too_old = _failed_deliveries(workspace, webhook, [1, 5, 48])
    since = timezone.now() - timedelta(hours=24)
    client = make_api_client(workspace, scopes=["webhooks:write"])

    response = client.post(f"/v1/webhooks/{webhook.public_id}/recover",
                           {"since": since.isoformat()}, format="json")

    assert response.status_code == 202, response.json()
    data = response.json()["data"]
    assert data["id"].startswith("rcv_")
    wait_until(lambda: len(receiver.requests) == 2)
    assert {r.headers["webhook-id"] for r in receiver.requests} == {
        recent.event.public_id, older.event.public_id}
    wait_until(lambda: Recovery.objects.get(public_id=data["id"]).finished_at is not None)
    recovery = Recovery.objects.get(public_id=data["id"])
    assert recovery.deliveries_resent == 2 and "API key" in recovery.requested_by
    wait_until(lambda: Delivery.objects.filter(status="succeeded").count() == 2)
    assert Delivery.objects.get(pk=too_old.pk).status == "failed"
    assert Delivery.objects.get(pk=recent.pk).attempts.get().number == 9  # attempts append


def test_recover_refuses_bad_input_and_other_workspaces(
    make_api_client, workspace, other_workspace
):
    webhook = WebhookFactory(workspace=workspace)
    theirs = WebhookFactory(workspace=other_workspace)
    client = make_api_client(workspace)
    url = f"/v1/webhooks/{webhook.public_id}/recover"

    future = (timezone.now() + timedelta(days=1)).isoformat()
    for body in ({}, {"since": "yesterday"}, {"since": future}):
        response = client.post(url, body, format="json")
        assert response.status_code == 400, body
        assert "since" in response.json()["error"]["fields"]
    assert client.post(f"/v1/webhooks/{theirs.public_id}/recover",
                       {"since": timezone.now().isoformat()},
                       format="json").status_code == 404
    reader = make_api_client(workspace, scopes=["webhooks:read"])
    assert reader.post(url, {"since": timezone.now().isoformat()},
                       format="json").status_code == 403
    assert not Recovery.objects.exists()


def test_the_admin_action_asks_for_the_time_then_recovers(
    client, operator, workspace, django_capture_on_commit_callbacks
):
    webhook = WebhookFactory(workspace=workspace)
    [failed] = _failed_deliveries(workspace, webhook, [2])
    client.force_login(operator)
    url = "/admin/integrations/webhook/"

    page = client.post(url, {"action": "recover_failed_deliveries",
                             "_selected_action": [webhook.pk]})
    assert page.status_code == 200 and b"Failed since" in page.content

    since = timezone.now() - timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(url, {
            "action": "recover_failed_deliveries", "_selected_action": [webhook.pk],
            "confirm": "yes", "since_0": since.strftime("%Y-%m-%d"),
            "since_1": since.strftime("%H:%M:%S"),
        }, follow=True)

    assert b"re-sending its failures" in done.content
    recovery = Recovery.objects.get()
    assert (recovery.destination_kind, recovery.destination_id) == ("webhook", webhook.pk)
    assert recovery.requested_by == operator.username
    assert Delivery.objects.get(pk=failed.pk).status == "failed"  # the worker does it

"""Operator metrics: /metrics (Prometheus text) behind METRICS_TOKEN, and /healthz reporting
the delivery backlog and its age."""
from datetime import timedelta

from django.utils import timezone

from integrations.delivery.dispatch import event_dispatch
from integrations.models import Delivery
from metachat.events.catalogue import EventType
from metachat.events.models import Event
from metachat.events.services import event_publish
from tests.factories import WebhookFactory

TOKEN = "metrics-token-0123456789abcdef"


def _backlog(workspace, *, waited_seconds: float) -> Delivery:
    WebhookFactory(workspace=workspace, events=["user.started"])
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    (delivery,) = event_dispatch(event=event)
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=waited_seconds))
    return delivery


def test_metrics_are_not_served_without_a_token_setting(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_metrics_need_the_token(client, settings):
    settings.METRICS_TOKEN = TOKEN

    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_metrics_token"


def test_metrics_show_the_pipeline(client, settings, workspace):
    settings.METRICS_TOKEN = TOKEN
    _backlog(workspace, waited_seconds=120)

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'metachat_deliveries{kind="webhook",status="pending"} 1.0' in text
    assert "metachat_delivery_queue_depth 1.0" in text
    [age] = [float(line.split()[1]) for line in text.splitlines()
             if line.startswith("metachat_delivery_oldest_due_age_seconds ")]
    assert 119 <= age < 200
    assert "metachat_events_undispatched 0.0" in text
    assert 'metachat_delivery_attempts_recent{outcome="failed"} 0.0' in text
    assert "metachat_shared_cache_failures_total" in text


def test_metrics_show_events_waiting_for_dispatch(client, settings, workspace):
    settings.METRICS_TOKEN = TOKEN
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(seconds=90))

    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()

    assert "metachat_events_undispatched 1.0" in text
    [lag] = [float(line.split()[1]) for line in text.splitlines()
             if line.startswith("metachat_dispatch_lag_seconds ")]
    assert 89 <= lag < 200


def test_healthz_reports_the_delivery_backlog_and_its_age(client, workspace):
    _backlog(workspace, waited_seconds=300)

    body = client.get("/healthz").json()

    assert body["checks"]["deliveries"]["due"] == 1
    assert 299 <= body["checks"]["deliveries"]["oldestDueAgeSeconds"] < 400

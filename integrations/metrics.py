"""Operator metrics of the delivery pipeline: `GET /metrics` (Prometheus text format),
behind `METRICS_TOKEN`; and the backlog that `/healthz` reports.

The pipeline's gauges are read from the database at scrape time (the database is the
truth, and every web process then reports the same numbers); counters of this process
(e.g. the shared cache's fail-open count) come from prometheus-client's registry.
"""
import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily

from integrations.models import Attempt, Delivery
from metachat.api.errors import error_body
from metachat.events.models import Event

logger = logging.getLogger(__name__)

RECENT = timedelta(minutes=15)


def delivery_backlog() -> dict:
    """Deliveries due now and the age of the oldest of them (for /healthz and /metrics)."""
    now = timezone.now()
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    row = due.aggregate(count=Count("pk"), oldest=Min("next_attempt_at"))
    age = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    return {"ok": True, "due": row["count"], "oldestDueAgeSeconds": round(max(age, 0.0), 1)}


class PipelineCollector:
    """Gauges of the pipeline, computed from the database when scraped."""

    def collect(self):
        now = timezone.now()
        by_status = GaugeMetricFamily(
            "metachat_deliveries", "Deliveries by status and destination kind.",
            labels=["status", "kind"])
        for row in Delivery.objects.values("status", "destination_kind").annotate(n=Count("pk")):
            by_status.add_metric([row["status"], row["destination_kind"]], row["n"])
        yield by_status

        backlog = delivery_backlog()
        yield GaugeMetricFamily("metachat_delivery_queue_depth",
                                "Pending deliveries due now.", value=backlog["due"])
        yield GaugeMetricFamily("metachat_delivery_oldest_due_age_seconds",
                                "How long the oldest due delivery has waited.",
                                value=backlog["oldestDueAgeSeconds"])

        attempts = GaugeMetricFamily(
            "metachat_delivery_attempts_recent",
            "Attempts of the last 15 minutes by outcome (ok: a 2xx or a CRM write).",
            labels=["outcome"])
        counts = Attempt.objects.filter(started_at__gte=now - RECENT).aggregate(
            ok=Count("pk", filter=Q(response_status__gte=200, response_status__lt=300)),
            total=Count("pk"))
        attempts.add_metric(["ok"], counts["ok"])
        attempts.add_metric(["failed"], counts["total"] - counts["ok"])
        yield attempts

        undispatched = Event.objects.filter(dispatched_at__isnull=True).aggregate(
            count=Count("pk"), oldest=Min("created_at"))
        lag = (now - undispatched["oldest"]).total_seconds() if undispatched["oldest"] else 0
        yield GaugeMetricFamily("metachat_events_undispatched",
                                "Events written but not yet dispatched.",
                                value=undispatched["count"])
        yield GaugeMetricFamily("metachat_dispatch_lag_seconds",
                                "Age of the oldest event not yet dispatched.", value=max(lag, 0))


_registered = False


def _register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(PipelineCollector())
        _registered = True


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


@never_cache
@require_GET
def metrics(request):
    """Prometheus scrape endpoint; 404 unless METRICS_TOKEN is set, 401 without it."""
    token = settings.METRICS_TOKEN
    if not token:
        return _error(404, "not_found", "Not found.")
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(sent.encode(), token.encode()):
        response = _error(401, "invalid_metrics_token",
                          "Send Authorization: Bearer <METRICS_TOKEN>.")
        response["WWW-Authenticate"] = "Bearer"
        return response
    _register()
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)

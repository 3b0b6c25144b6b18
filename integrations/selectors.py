"""Reads for webhooks and their delivery logs; every function names the workspace."""
from django.db.models import Prefetch, QuerySet

from integrations.models import Attempt, Delivery, Webhook
from integrations.webhooks.destination import webhook_wants
from metachat.events.catalogue import EventType
from metachat.events.models import Event


def webhook_list(*, workspace) -> QuerySet[Webhook]:
    return Webhook.objects.filter(workspace=workspace)


def webhook_deliveries(*, workspace, webhook: Webhook) -> QuerySet[Delivery]:
    return destination_deliveries(workspace_id=workspace.pk, kind="webhook",
                                  destination_id=webhook.pk)


def destination_deliveries(*, workspace_id: int, kind: str,
                           destination_id: int) -> QuerySet[Delivery]:
    """One destination's delivery log, newest first, with attempts in order."""
    return (
        Delivery.objects.filter(workspace_id=workspace_id, destination_kind=kind,
                                destination_id=destination_id)
        .select_related("event")
        .prefetch_related(Prefetch("attempts", queryset=Attempt.objects.order_by("number")))
        .order_by("-created_at", "-pk")
    )


def delivery_list(*, workspace) -> QuerySet[Delivery]:
    return Delivery.objects.filter(workspace=workspace).select_related("event")


def event_list(*, workspace, type: str | None = None) -> QuerySet[Event]:
    """The workspace's events, newest first. Test sends (`webhook.test`) are not
    conversation events: a poller sees them only when it asks for that type."""
    events = Event.objects.filter(workspace=workspace)
    events = events.filter(type=type) if type else events.exclude(type="webhook.test")
    return events.order_by("-created_at", "-pk")


def webhook_filter_preview(*, workspace_id: int, events: list[str], filters: list[dict],
                           limit: int = 20) -> list[tuple[Event, bool]]:
    """The workspace's latest `limit` events of the types a webhook subscribed to `events`
    gets, each with whether `filters` let it through, decided by the pipeline's own match."""
    types = [t for t in EventType.values if webhook_wants(events, [], t, {})]
    latest = Event.objects.filter(workspace_id=workspace_id, type__in=types).order_by(
        "-created_at", "-pk")[:limit]
    return [(event, webhook_wants(events, filters, event.type, event.payload.get("data") or {}))
            for event in latest]

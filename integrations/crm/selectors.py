"""Reads of CRM connections: who wants an event, and a connection's sync log."""
from integrations.crm.models import CrmConnection

DESTINATION_KIND = "crm"


def crm_connections_syncing(*, workspace_id: int) -> list[tuple[int, list[str]]]:
    """(id, event types) of the workspace's connections that sync: active and not
    disconnected."""
    rows = CrmConnection.objects.filter(workspace_id=workspace_id, active=True).exclude(
        status=CrmConnection.Status.DISCONNECTED
    ).values_list("pk", "events")
    return [(pk, events or []) for pk, events in rows]


def crm_deliveries_recent(*, connection: CrmConnection, limit: int = 20) -> list:
    """The connection's latest deliveries (the sync log), newest first; empty while the
    delivery pipeline is not installed."""
    try:
        from integrations.models import Delivery
    except ImportError:
        return []
    return list(
        Delivery.objects.filter(
            workspace=connection.workspace, destination_kind=DESTINATION_KIND,
            destination_id=connection.pk,
        ).select_related("event").order_by("-created_at", "-pk")[:limit]
    )

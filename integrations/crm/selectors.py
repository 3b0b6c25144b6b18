"""Reads of CRM connections: who wants an event, and a connection's sync log."""
from integrations.crm.models import CrmConnection

DESTINATION_KIND = "crm"


def crm_connection_ids_for_event(*, workspace_id: int, event_type: str) -> list[int]:
    """Connections of the workspace that sync this event: active and not disconnected."""
    rows = CrmConnection.objects.filter(CrmConnection.SYNCING, workspace_id=workspace_id
                                        ).values_list("pk", "events")
    return [pk for pk, events in rows if event_type in (events or [])]


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

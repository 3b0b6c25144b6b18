"""The "crm" destination kind: CRM connections as destinations of the delivery pipeline.

The pipeline (dispatch, retries, attempt log, redelivery, alerts, disabling) asks this kind
which connections want an event and hands it the due deliveries of one connection; they
become one push to the CRM where the provider has a batch endpoint.
"""
from __future__ import annotations

import json
import logging
import time

from django.conf import settings

from integrations.crm import selectors, services
from integrations.crm.models import CrmConnection
from integrations.crm.providers import provider_class
from integrations.crm.providers.base import CrmError, CrmRateLimited
from integrations.delivery.destinations import (
    AttemptResult,
    DestinationKind,
    Subscriber,
    register,
)

logger = logging.getLogger(__name__)


@register(selectors.DESTINATION_KIND)
class CrmDestination(DestinationKind):
    # Deliveries waiting for one connection go out together, split into the provider's own
    # batches (Salesforce 200 a call, HubSpot 100, others one by one).
    model = CrmConnection
    max_batch = 50

    def subscribers(self, *, workspace_id: int) -> list[Subscriber]:
        return [
            Subscriber(pk, lambda event_type, data, events=events: event_type in events)
            for pk, events in selectors.crm_connections_syncing(workspace_id=workspace_id)
        ]

    def lease_seconds(self, batch_size: int) -> float:
        # A CRM that takes one record a call may need up to three calls a record (find the
        # contact, create it, write the record), each up to CRM_HTTP_TIMEOUT.
        return batch_size * 3 * settings.CRM_HTTP_TIMEOUT + settings.WEBHOOK_LEASE_MARGIN

    def send(self, deliveries: list) -> list[AttemptResult]:
        """One result per delivery, in order; deliveries of one connection go in one push."""
        results: dict[int, AttemptResult] = {}
        by_connection: dict[int, list[int]] = {}
        for index, delivery in enumerate(deliveries):
            by_connection.setdefault(delivery.destination_id, []).append(index)
        for connection_id, indexes in by_connection.items():
            batch = [deliveries[i] for i in indexes]
            for index, result in zip(indexes, _send_to(connection_id, batch), strict=True):
                results[index] = result
        return [results[i] for i in range(len(deliveries))]

    def title(self, destination) -> str:
        return f"{provider_class(destination.provider).label} “{destination.name}”"

    def state(self, destination_id: int) -> str:
        """"gone" once deleted; "paused" while disconnected or switched off (its deliveries
        wait and resume on Reconnect); else "active"."""
        row = CrmConnection.objects.filter(pk=destination_id).only("status", "active").first()
        if row is None:
            return "gone"
        return "active" if row.is_syncing else "paused"

    def on_success(self, destination_id: int) -> None:
        services.crm_connection_record_success(connection_id=destination_id)

    def on_failure(self, destination_id: int, error: str) -> None:
        services.crm_connection_record_failure(connection_id=destination_id, error=error)


def _send_to(connection_id: int, deliveries: list) -> list[AttemptResult]:
    started = time.monotonic()

    def each(**fields):
        elapsed = (time.monotonic() - started) * 1000 / max(len(deliveries), 1)
        return [AttemptResult(duration_ms=round(elapsed, 1), **fields) for _ in deliveries]

    # Every record of the batch reads the workspace and the mapping (and a rejected one
    # names its mapping row): fetched once for the batch, not once a record.
    connection = (CrmConnection.objects.filter(pk=connection_id).select_related("workspace")
                  .prefetch_related("field_mappings").first())
    if connection is None:
        return each(ok=False, error="The CRM connection no longer exists.")
    if any(d.workspace_id != connection.workspace_id for d in deliveries):
        # A connection never changes workspace; should one have, this workspace's records
        # must not be written with another workspace's credentials.
        logger.warning("crm deliveries refused: connection %s is in another workspace",
                       connection_id)
        return each(ok=False, refused=True,
                    error="refused: the CRM connection belongs to another workspace")
    if connection.status == CrmConnection.Status.DISCONNECTED:
        return each(ok=False, error="The CRM connection is disconnected; reconnect it to sync.")
    payloads = [d.event.payload for d in deliveries]
    try:
        pushed = services.crm_records_push(connection=connection, payloads=payloads)
    except CrmRateLimited as error:
        return each(ok=False, status=error.status, body=error.body, error=error.message,
                    retry_after=error.retry_after)
    except CrmError as error:
        # A permanent refusal is not retried (`refused`): the connection is in Error, with
        # the reason, until an operator fixes it; transient ones follow the retry schedule.
        return each(ok=False, status=error.status, body=error.body, error=error.message,
                    refused=error.permanent)
    elapsed = (time.monotonic() - started) * 1000 / max(len(deliveries), 1)
    results = []
    for delivery, result in zip(deliveries, pushed, strict=True):
        error = result.error
        if not result.ok and result.permanent:
            error = services.crm_record_rejected(connection=connection, result=result,
                                                 event_type=delivery.event.type)
        results.append(AttemptResult(
            ok=result.ok, status=result.status,
            body=json.dumps({"id": result.record_id}) if result.ok else result.body,
            error=error, duration_ms=round(elapsed, 1),
            refused=not result.ok and result.permanent,
        ))
    return results

"""Operational events: a workspace's integrations telling it how they are doing.

`webhook.failing`, `webhook.disabled`, `webhook.recovered`, `crm.error` and
`delivery.exhausted` ride the same pipeline as every event, so an operator can route them
to Slack or a pager through a webhook or Zapier. None is ever published about the delivery
of an operational event (or of a Test event): a destination that fails cannot feed on
its own failure reports.
"""
import logging

from django.utils import timezone

from integrations.delivery import destinations
from integrations.models import Attempt
from metachat.events.catalogue import OPERATIONAL_EVENTS, EventType
from metachat.events.services import event_publish

logger = logging.getLogger(__name__)

NOT_REPORTED = OPERATIONAL_EVENTS | {"webhook.test"}


def _stamp(moment) -> str | None:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z") if moment else None


def delivery_exhausted_publish(*, delivery) -> None:
    """Publish `delivery.exhausted` for `delivery`, which has just given up for good (its
    event loaded along)."""
    if delivery.event.type in NOT_REPORTED:
        return
    event_publish(workspace=delivery.event.workspace, type=EventType.DELIVERY_EXHAUSTED, data={
        "deliveryId": delivery.public_id, "eventId": delivery.event.public_id,
        "eventType": delivery.event.type, "destinationKind": delivery.destination_kind,
        "destinationId": _destination_public_id(delivery.destination_kind,
                                                delivery.destination_id),
        "attempts": delivery.attempt_count, "error": delivery.last_error[:500],
    })


def webhook_health_publish(*, model, destination_id: int, what: str, error: str = "") -> None:
    """Publish webhook.failing / .disabled / .recovered for a webhook's health change, unless
    the delivery that caused it carried an operational event."""
    from integrations.models import Webhook

    if model is not Webhook or _last_event_type(destination_id) in NOT_REPORTED:
        return
    webhook = Webhook.objects.select_related("workspace").filter(pk=destination_id).first()
    if webhook is None:
        return
    data = {"webhookId": webhook.public_id, "name": webhook.name}
    if what == "failing":
        type_ = EventType.WEBHOOK_FAILING
        data |= {"error": error, "failingSince": _stamp(webhook.failing_since or timezone.now())}
    elif what == "disabled":
        type_ = EventType.WEBHOOK_DISABLED
        data |= {"reason": webhook.disabled_reason, "error": error}
    else:
        type_ = EventType.WEBHOOK_RECOVERED
        data |= {"recoveredAt": _stamp(timezone.now())}
    event_publish(workspace=webhook.workspace, type=type_, data=data)


def crm_error_publish(*, connection, reason: str) -> None:
    """Publish `crm.error`: the connection just went to Error."""
    event_publish(workspace=connection.workspace, type=EventType.CRM_ERROR, data={
        "connectionId": connection.public_id, "name": connection.name,
        "provider": connection.provider, "reason": reason[:2000],
    })


def _last_event_type(webhook_id: int) -> str | None:
    """The type of the event whose attempt was just recorded for this webhook (the one
    that changed its health: the attempt row is written before the health bookkeeping)."""
    return (Attempt.objects.filter(delivery__destination_kind="webhook",
                                   delivery__destination_id=webhook_id)
            .order_by("-pk").values_list("delivery__event__type", flat=True).first())


def _destination_public_id(kind: str, destination_id: int) -> str:
    model = destinations.get(kind).model
    return model.objects.filter(pk=destination_id).values_list(
        "public_id", flat=True).first() or str(destination_id)

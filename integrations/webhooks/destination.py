"""The webhook destination kind: one signed POST per delivery."""
import logging

from django.utils import timezone

from integrations.delivery import health
from integrations.delivery.destinations import (
    AttemptResult,
    DestinationKind,
    Subscriber,
    register,
)
from integrations.models import ALL_EVENTS, Webhook
from integrations.webhooks.filters import filters_match
from integrations.webhooks.signing import live_secrets
from integrations.webhooks.transport import webhook_post
from metachat.events.catalogue import OPERATIONAL_EVENTS

logger = logging.getLogger(__name__)


def webhook_wants(events: list[str], filters: list[dict], event_type: str, data: dict) -> bool:
    """Whether a webhook subscribed to `events` with `filters` gets an event: subscribed to
    its type (operational events only by name, never through "*") and the filters match."""
    if event_type in OPERATIONAL_EVENTS:
        subscribed = event_type in events
    else:
        subscribed = ALL_EVENTS in events or event_type in events
    return subscribed and filters_match(filters, data)


@register("webhook")
class WebhookDestination(DestinationKind):
    # A worker sends a webhook's due deliveries one after another over one kept-alive
    # connection, up to this many per claim.
    model = Webhook
    max_batch = 10

    def subscribers(self, *, workspace_id: int) -> list[Subscriber]:
        # Only what the match needs: the signing secrets stay encrypted.
        rows = Webhook.objects.filter(workspace_id=workspace_id, active=True).values_list(
            "pk", "events", "filters"
        )
        return [
            Subscriber(pk, lambda event_type, data, e=events, f=filters:
                       webhook_wants(e, f, event_type, data))
            for pk, events, filters in rows
        ]

    def send(self, deliveries: list) -> list[AttemptResult]:
        webhook = Webhook.objects.filter(pk=deliveries[0].destination_id).first()
        secrets = live_secrets(webhook.secrets, now=timezone.now()) if webhook else []
        results = []
        for delivery in deliveries:
            if webhook is None:
                results.append(AttemptResult(ok=False, error="the webhook was deleted"))
                continue
            if webhook.workspace_id != delivery.workspace_id:
                # A webhook never changes workspace; should one have, this workspace's events
                # must not go to the other one's URL.
                logger.warning("delivery %s refused: webhook %s is in another workspace",
                               delivery.pk, webhook.pk)
                results.append(AttemptResult(
                    ok=False, refused=True,
                    error="refused: the webhook belongs to another workspace now",
                ))
                continue
            # The transport checks the address again at every delivery (a name may resolve
            # elsewhere by now) and connects only to the address it checked.
            results.append(webhook_post(
                url=webhook.url, payload=delivery.event.payload,
                message_id=delivery.event.public_id, signing_secrets=secrets,
            ))
        return results

    def on_success(self, destination_id: int) -> None:
        health.health_record_success(model=Webhook, destination_id=destination_id)

    def on_failure(self, destination_id: int, error: str) -> None:
        health.health_record_failure(
            model=Webhook, destination_id=destination_id, error=error, label="Webhook"
        )

    def title(self, destination) -> str:
        return f"webhook “{destination.name}”"

    def state(self, destination_id: int) -> str:
        active = Webhook.objects.filter(pk=destination_id).values_list("active", flat=True).first()
        if active is None:
            return "gone"
        return "active" if active else "paused"

"""The webhook destination kind: one signed POST per delivery."""
import logging

from django.utils import timezone

from integrations.delivery import health
from integrations.delivery.destinations import AttemptResult, DestinationKind, register
from integrations.models import Webhook
from integrations.webhooks.filters import filters_match
from integrations.webhooks.signing import live_secrets
from integrations.webhooks.transport import webhook_post
from metachat.events.catalogue import OPERATIONAL_EVENTS

logger = logging.getLogger(__name__)


def webhook_wants(webhook: Webhook, event_type: str, data: dict) -> bool:
    """Subscribed to the type (operational events only by name, never through "*") and
    the filters match."""
    if event_type in OPERATIONAL_EVENTS and event_type not in webhook.events:
        return False
    return webhook.wants(event_type) and filters_match(webhook.filters, data)


@register("webhook")
class WebhookDestination(DestinationKind):
    max_batch = 1

    def subscribers(self, event) -> list[int]:
        webhooks = Webhook.objects.filter(workspace_id=event.workspace_id, active=True)
        data = event.payload.get("data") or {}
        return [webhook.pk for webhook in webhooks if webhook_wants(webhook, event.type, data)]

    def send(self, deliveries: list) -> list[AttemptResult]:
        results = []
        for delivery in deliveries:
            webhook = Webhook.objects.filter(pk=delivery.destination_id).first()
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
                message_id=delivery.event.public_id,
                signing_secrets=live_secrets(webhook.secrets, now=timezone.now()),
            ))
        return results

    def on_success(self, destination_id: int) -> None:
        health.health_record_success(model=Webhook, destination_id=destination_id)

    def on_failure(self, destination_id: int, error: str) -> None:
        health.health_record_failure(
            model=Webhook, destination_id=destination_id, error=error, label="Webhook"
        )

    def state(self, destination_id: int) -> str:
        active = Webhook.objects.filter(pk=destination_id).values_list("active", flat=True).first()
        if active is None:
            return "gone"
        return "active" if active else "paused"

"""The "zapier" destination kind: REST-hook subscriptions as destinations of the pipeline.

Each delivery is the webhook transport's signed POST (the same bytes and Standard Webhooks
headers a webhook gets) to the zap's target URL. A 410 Gone is Zapier saying the zap is
off: the subscription ends at once and the delivery is not retried.
"""
import logging
from dataclasses import replace

from django.utils import timezone

from integrations.delivery import health
from integrations.delivery.destinations import (
    AttemptResult,
    DestinationKind,
    Subscriber,
    register,
)
from integrations.webhooks.signing import live_secrets
from integrations.webhooks.transport import webhook_post
from integrations.zapier import selectors, services
from integrations.zapier.models import HookSubscription

logger = logging.getLogger(__name__)

GONE = 410


@register(selectors.DESTINATION_KIND)
class ZapierDestination(DestinationKind):
    model = HookSubscription
    max_batch = 1  # Zapier takes one event per POST

    def subscribers(self, *, workspace_id: int) -> list[Subscriber]:
        # Only what the match needs: the signing secrets stay encrypted.
        rows = selectors.hook_subscriptions_deliverable(workspace_id=workspace_id).values_list(
            "pk", "event", "filters"
        )
        return [
            Subscriber(pk, lambda event_type, data, e=event, f=filters:
                       selectors.hook_wants(e, f, event_type, data))
            for pk, event, filters in rows
        ]

    def send(self, deliveries: list) -> list[AttemptResult]:
        return [self._send_one(delivery) for delivery in deliveries]

    def _send_one(self, delivery) -> AttemptResult:
        subscription = HookSubscription.objects.filter(pk=delivery.destination_id).first()
        if subscription is None or subscription.unsubscribed_at is not None:
            return AttemptResult(ok=False, refused=True, error="refused: unsubscribed")
        if subscription.workspace_id != delivery.workspace_id:
            # A subscription never changes workspace; should one have, this workspace's
            # events must not go to the other one's zap.
            logger.warning("delivery %s refused: hook %s is in another workspace",
                           delivery.pk, subscription.pk)
            return AttemptResult(ok=False, refused=True,
                                 error="refused: the subscription belongs to another workspace")
        result = webhook_post(
            url=subscription.target_url, payload=delivery.event.payload,
            message_id=delivery.event.public_id,
            signing_secrets=live_secrets(subscription.secrets, now=timezone.now()),
        )
        services.hook_delivery_stamp(subscription_id=subscription.pk)
        if result.status == GONE:
            services.hook_unsubscribe_gone(subscription_id=subscription.pk)
            return replace(result, ok=False, refused=True, retry_after=None,
                           error="HTTP 410 Gone: Zapier unsubscribed this hook; not retried")
        return result

    def on_success(self, destination_id: int) -> None:
        health.health_record_success(model=HookSubscription, destination_id=destination_id)

    def on_failure(self, destination_id: int, error: str) -> None:
        health.health_record_failure(
            model=HookSubscription, destination_id=destination_id, error=error,
            label="Zapier hook",
        )

    def title(self, destination) -> str:
        return f"Zapier hook {destination.public_id}"

    def state(self, destination_id: int) -> str:
        row = (HookSubscription.objects.filter(pk=destination_id)
               .values("active", "unsubscribed_at").first())
        if row is None or row["unsubscribed_at"] is not None:
            return "gone"
        return "active" if row["active"] else "paused"

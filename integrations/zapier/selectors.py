"""Reads of hook subscriptions: which ones want an event, a workspace's live ones, their log."""
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrations.models import Delivery
from integrations.selectors import destination_deliveries
from integrations.webhooks.filters import filters_match
from integrations.zapier.models import HookSubscription

DESTINATION_KIND = "zapier"


def hook_wants(event: str, filters: list[dict], event_type: str, data: dict) -> bool:
    """Whether a deliverable subscription to `event` with `filters` wants this event."""
    return event == event_type and filters_match(filters, data)


def hook_subscriptions_deliverable(*, workspace_id: int) -> QuerySet[HookSubscription]:
    """The workspace's subscriptions that may receive events now: subscribed, not disabled,
    and made with an API key that still works (revoking the key stops its zaps)."""
    now = timezone.now()
    return HookSubscription.objects.filter(
        Q(api_key__expires_at__isnull=True) | Q(api_key__expires_at__gt=now),
        workspace_id=workspace_id, unsubscribed_at__isnull=True, active=True,
        api_key__isnull=False, api_key__revoked_at__isnull=True,
    )


def hook_subscription_list(*, workspace) -> QuerySet[HookSubscription]:
    """The workspace's live subscriptions (not unsubscribed), newest first."""
    return HookSubscription.objects.filter(workspace=workspace, unsubscribed_at__isnull=True)


def hook_subscription_find_live(*, workspace, event: str, target_url: str):
    return hook_subscription_list(workspace=workspace).filter(
        event=event, target_url=target_url
    ).first()


def hook_deliveries(*, subscription: HookSubscription) -> QuerySet[Delivery]:
    """The subscription's delivery log, newest first, with attempts in order."""
    return destination_deliveries(workspace_id=subscription.workspace_id,
                                  kind=DESTINATION_KIND, destination_id=subscription.pk)

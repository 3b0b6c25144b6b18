"""Writes for hook subscriptions: subscribe (idempotent), unsubscribe (idempotent), enable."""
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.delivery import health
from integrations.delivery.services import deliveries_cancel, deliveries_resume
from integrations.webhooks.filters import filters_validate
from integrations.webhooks.signing import secret_generate
from integrations.webhooks.ssrf import UnsafeURL, check_url
from integrations.zapier import selectors
from integrations.zapier.models import HookSubscription
from metachat.events.catalogue import EventType

logger = logging.getLogger(__name__)

TARGET_URL_MAX = 2000


def hook_validate(*, target_url, event, filters) -> dict:
    """Check and normalise a subscribe request; raises ValidationError naming the bad fields."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if not isinstance(target_url, str) or not target_url.strip():
        errors["target_url"] = ["Give the URL to send events to (Zapier's bundle.targetUrl)."]
    elif len(target_url) > TARGET_URL_MAX:
        errors["target_url"] = [f"The URL is longer than {TARGET_URL_MAX} characters."]
    elif not target_url.isascii():
        errors["target_url"] = ["The URL must be ASCII: percent-encode other characters."]
    else:
        try:
            check_url(target_url.strip())
            cleaned["target_url"] = target_url.strip()
        except UnsafeURL as error:
            errors["target_url"] = [str(error)]
    if event not in EventType.values:
        shown = event if isinstance(event, str) and len(event) <= 64 else "that value"
        errors["event"] = [f"Unknown event {shown!r}; known: {', '.join(EventType.values)}."]
    else:
        cleaned["event"] = event
    try:
        cleaned["filters"] = filters_validate(filters)
    except ValueError as error:
        errors["filters"] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return cleaned


def hook_subscribe(*, workspace, api_key, target_url: str, event: str,
                   filters: list | None = None) -> tuple[HookSubscription, bool, str | None]:
    """Subscribe `target_url` to `event`. Subscribing the same URL to the same event again
    (Zapier retries subscribes) returns the live subscription, with the filters now given.

    Returns the subscription, whether it was created, and its signing secret when it was."""
    cleaned = hook_validate(target_url=target_url, event=event, filters=filters)
    existing = selectors.hook_subscription_find_live(
        workspace=workspace, event=cleaned["event"], target_url=cleaned["target_url"]
    )
    if existing is None:
        secret = secret_generate()
        try:
            with transaction.atomic():
                subscription = HookSubscription.objects.create(
                    workspace=workspace, api_key=api_key,
                    secrets=[{"secret": secret, "expires_at": None}], **cleaned,
                )
        except IntegrityError:
            # The same subscribe arrived twice at once: the other one made it.
            existing = selectors.hook_subscription_find_live(
                workspace=workspace, event=cleaned["event"], target_url=cleaned["target_url"]
            )
            if existing is None:
                raise
        else:
            logger.info("hook %s subscribed to %s in %s", subscription.public_id,
                        subscription.event, workspace.public_id)
            return subscription, True, secret
    key_id = getattr(api_key, "pk", None)
    if existing.filters != cleaned["filters"] or existing.api_key_id != key_id:
        HookSubscription.objects.filter(pk=existing.pk).update(
            filters=cleaned["filters"], api_key=api_key
        )
        existing.refresh_from_db()
    return existing, False, None


def hook_unsubscribe(*, subscription: HookSubscription,
                     by: str = HookSubscription.UnsubscribedBy.API) -> HookSubscription:
    """Stop sending to it (once: unsubscribing again changes nothing). Its waiting
    deliveries are cancelled; the row stays, for the delivery log."""
    with transaction.atomic():
        stopped = HookSubscription.objects.filter(
            pk=subscription.pk, unsubscribed_at__isnull=True
        ).update(unsubscribed_at=timezone.now(), unsubscribed_by=by)
        if stopped:
            deliveries_cancel(destination_kind=selectors.DESTINATION_KIND,
                              destination_id=subscription.pk)
            logger.info("hook %s unsubscribed (%s)", subscription.public_id, by)
    subscription.refresh_from_db()
    return subscription


def hook_unsubscribe_gone(*, subscription_id: int) -> bool:
    """The target answered 410 Gone (Zapier's "this zap is off"): unsubscribe at once.
    Its other waiting deliveries are cancelled when the pipeline next looks at them."""
    stopped = HookSubscription.objects.filter(
        pk=subscription_id, unsubscribed_at__isnull=True
    ).update(unsubscribed_at=timezone.now(), unsubscribed_by=HookSubscription.UnsubscribedBy.GONE)
    if stopped:
        logger.info("hook subscription %s unsubscribed: target answered 410", subscription_id)
    return bool(stopped)


def hook_subscription_enable(*, subscription: HookSubscription) -> HookSubscription:
    """Switch a subscription that was disabled after days of failures back on."""
    with transaction.atomic():
        health.health_enable(destination=subscription)
        deliveries_resume(destination_kind=selectors.DESTINATION_KIND,
                          destination_id=subscription.pk)
    return subscription


def hook_delivery_stamp(*, subscription_id: int) -> None:
    HookSubscription.objects.filter(pk=subscription_id).update(last_delivery_at=timezone.now())

"""Writes for webhooks: create, change, rotate the secret, enable, test, delete, redeliver."""
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.delivery import health
from integrations.delivery.services import (
    deliveries_cancel,
    deliveries_resume,
    delivery_redeliver,
    delivery_send_now,
    event_redeliver,
)
from integrations.models import ALL_EVENTS, Attempt, Delivery, Webhook
from integrations.webhooks.filters import filters_validate
from integrations.webhooks.signing import secret_generate, secrets_rotate
from integrations.webhooks.ssrf import UnsafeURL, check_url
from metachat.events.catalogue import EventType
from metachat.events.models import Event
from metachat.events.services import envelope

logger = logging.getLogger(__name__)

TEST_EVENT = "webhook.test"
KIND = "webhook"


def webhook_validate(*, url=None, events=None, filters=None, name=None) -> dict:
    """Check and normalise webhook fields; raises ValidationError naming the bad fields."""
    errors: dict[str, list[str]] = {}
    cleaned = {}
    if name is not None:
        if not str(name).strip():
            errors["name"] = ["Give the webhook a name."]
        cleaned["name"] = str(name).strip()[:200]
    if url is not None:
        try:
            check_url(url)
        except UnsafeURL as error:
            errors["url"] = [str(error)]
        cleaned["url"] = url
    if events is not None:
        known = set(EventType.values) | {ALL_EVENTS}
        if not isinstance(events, list) or not events:
            errors["events"] = ['List the events to send, or ["*"] for all of them.']
        elif unknown := [e for e in events if e not in known]:
            errors["events"] = [
                f"Unknown event {unknown[0]!r}; known: {', '.join(EventType.values)} or *."
            ]
        else:
            unique = list(dict.fromkeys(events))
            cleaned["events"] = [ALL_EVENTS] if ALL_EVENTS in events else unique
    if filters is not None:
        try:
            cleaned["filters"] = filters_validate(filters)
        except ValueError as error:
            errors["filters"] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return cleaned


def webhook_create(*, workspace, name: str, url: str, events: list[str],
                   description: str = "", filters: list | None = None,
                   active: bool = True) -> tuple[Webhook, str]:
    """Create a webhook; returns it and its signing secret (shown this once)."""
    cleaned = webhook_validate(name=name, url=url, events=events, filters=filters or [])
    secret = secret_generate()
    webhook = Webhook.objects.create(
        workspace=workspace, description=description or "", active=active,
        secrets=[{"secret": secret, "expires_at": None}], **cleaned,
    )
    logger.info("webhook %s created in %s", webhook.public_id, workspace.public_id)
    return webhook, secret


def webhook_update(*, webhook: Webhook, **changes) -> Webhook:
    """Change name, url, events, filters, description or active."""
    fields = ("name", "url", "events", "filters")
    cleaned = webhook_validate(**{k: changes[k] for k in fields if k in changes})
    was_active = webhook.active
    with transaction.atomic():
        for field, value in cleaned.items():
            setattr(webhook, field, value)
        if "description" in changes:
            webhook.description = changes["description"] or ""
        webhook.save()
        if "active" in changes:
            if changes["active"] and not was_active:
                webhook_enable(webhook=webhook)
            elif not changes["active"] and was_active:
                Webhook.objects.filter(pk=webhook.pk).update(active=False, disabled_reason="")
                webhook.refresh_from_db()
    return webhook


def webhook_enable(*, webhook: Webhook) -> Webhook:
    """Switch it back on; deliveries that waited while it was disabled go out now."""
    with transaction.atomic():
        health.health_enable(destination=webhook)
        deliveries_resume(destination_kind=KIND, destination_id=webhook.pk)
    return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    with transaction.atomic():
        deliveries_cancel(destination_kind=KIND, destination_id=webhook.pk)
        webhook.delete()


def webhook_rotate_secret(*, webhook: Webhook) -> str:
    """A new signing secret; the old one keeps signing beside it for 24 hours."""
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        webhook.secrets, secret = secrets_rotate(webhook.secrets, now=timezone.now())
        webhook.save(update_fields=["secrets", "updated_at"])
    return secret


def webhook_reveal_secret(*, webhook: Webhook) -> str:
    return webhook.secrets[0]["secret"]


def webhook_send_test(*, webhook: Webhook) -> Attempt:
    """Send a `webhook.test` event to this webhook now and return the attempt (status,
    latency, error). Works on a disabled webhook, to check it before enabling it."""
    with transaction.atomic():
        event = Event(workspace_id=webhook.workspace_id, type=TEST_EVENT, created_at=timezone.now())
        event.payload = envelope(
            event_id=event.public_id, type=TEST_EVENT, timestamp=event.created_at,
            data={"webhookId": webhook.public_id,
                  "message": "This is a test event from Meta Chat."},
        )
        event.dispatched_at = event.created_at  # sent here, never fanned out
        event.save()
        delivery = Delivery.objects.create(
            workspace_id=webhook.workspace_id, event=event, destination_kind=KIND,
            destination_id=webhook.pk, next_attempt_at=None,
        )
    return delivery_send_now(delivery=delivery)


def webhook_redeliver(*, delivery: Delivery) -> Delivery:
    return delivery_redeliver(delivery=delivery)


def webhook_redeliver_event(*, event: Event) -> list[Delivery]:
    return event_redeliver(event=event)

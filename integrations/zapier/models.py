"""Zapier REST-hook subscriptions: where Zapier asked us to POST one event type."""

from django.db import models
from django.utils import timezone

from apikeys.models import ApiKey
from integrations.models import DestinationHealth
from metachat.crypto import EncryptedJSONField
from metachat.events.catalogue import EventType
from metachat.ids import PublicIdField
from metachat.workspaces.models import Workspace


class HookSubscription(DestinationHealth):
    """One zap's trigger: every event of `event` in the workspace is POSTed to `target_url`.

    Kept after unsubscribing (with when and why), so the delivery log still names it."""

    class UnsubscribedBy(models.TextChoices):
        API = "api", "Zapier (the zap was turned off or deleted)"
        GONE = "gone", "The target answered 410 Gone"
        OPERATOR = "operator", "An operator, in the admin"

    public_id = PublicIdField("hook")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="hook_subscriptions",
        help_text="The workspace whose events this subscription receives.",
    )
    api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The API key that subscribed (the Zapier connection). While it is revoked "
        "or expired, the subscription receives nothing.",
    )
    event = models.CharField(
        max_length=64, choices=EventType.choices, help_text="The event type sent to Zapier."
    )
    target_url = models.URLField(
        max_length=2000, help_text="Zapier's URL for this zap; events are POSTed there."
    )
    filters = models.JSONField(
        default=list, blank=True,
        help_text='Conditions on the event\'s data, all of which must hold, e.g. '
        '[{"field": "confidence", "op": "lt", "value": 0.5}].',
    )
    secrets = EncryptedJSONField(
        default=list, editable=False,
        help_text="Signing secret (whsec_…), encrypted at rest; signs like a webhook's.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_delivery_at = models.DateTimeField(
        null=True, blank=True, help_text="When an event was last sent to it (any answer)."
    )
    unsubscribed_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When it stopped; nothing is sent after that. Empty while subscribed.",
    )
    unsubscribed_by = models.CharField(
        max_length=16, choices=UnsubscribedBy.choices, blank=True, default="",
        help_text="Who or what ended the subscription.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Zapier retries subscribes: one live subscription per zap target and event.
            models.UniqueConstraint(
                fields=["workspace", "event", "target_url"], name="hook_live_unique_target",
                condition=models.Q(unsubscribed_at__isnull=True),
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "unsubscribed_at"], name="hook_ws_live"),
        ]

    def __str__(self) -> str:
        return f"Zapier hook {self.public_id} ({self.event})"

    @property
    def name(self) -> str:
        # Alerts (integrations.delivery.health) call a destination by its name.
        return f"Zapier {self.event} hook {self.public_id}"

    @property
    def subscription_status(self) -> str:
        """What the API and the admin show: active, failing, disabled or unsubscribed."""
        return "unsubscribed" if self.unsubscribed_at is not None else self.status

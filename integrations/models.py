"""Webhooks (what to call); deliveries and attempts (what happened), shared by all destinations."""
from django.db import models
from django.utils import timezone

from metachat.crypto import EncryptedJSONField
from metachat.events.models import Event
from metachat.ids import PublicIdField
from metachat.workspaces.models import Workspace

ALL_EVENTS = "*"


class DestinationHealth(models.Model):
    """Health fields every destination kind (webhook, CRM connection, Zapier hook) carries,
    so `integrations.delivery.health` can alert and disable any of them the same way."""

    active = models.BooleanField(
        default=True, help_text="Deliveries are sent only while active. Re-enable to resume."
    )
    disabled_reason = models.CharField(
        max_length=300, blank=True, default="",
        help_text="Why it was disabled automatically; empty when an operator switched it off.",
    )
    failing_since = models.DateTimeField(
        null=True, blank=True,
        help_text="The first failure since the last success; empty while healthy.",
    )
    last_success_at = models.DateTimeField(null=True, blank=True, help_text="Last 2xx answer.")
    last_error = models.CharField(max_length=500, blank=True, default="", help_text="Last failure.")

    class Meta:
        abstract = True

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        FAILING = "failing", "Failing"
        DISABLED = "disabled", "Disabled"

    @property
    def status(self) -> str:
        if not self.active:
            return self.Status.DISABLED
        if self.failing_since is not None:
            return self.Status.FAILING
        return self.Status.ACTIVE


class Webhook(DestinationHealth):
    public_id = PublicIdField("wh")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="webhooks",
        help_text="The workspace whose events this webhook receives.",
    )
    name = models.CharField(max_length=200, help_text="What this webhook does.")
    url = models.URLField(
        max_length=2000,
        help_text="Where events are POSTed. Must resolve to a public address.",
    )
    events = models.JSONField(
        default=list,
        help_text='Event names to send, e.g. ["message.sent"], or ["*"] for every event.',
    )
    description = models.TextField(blank=True, default="", help_text="Notes for operators.")
    filters = models.JSONField(
        default=list, blank=True,
        help_text='Conditions on the event\'s data, all of which must hold, e.g. '
        '[{"field": "confidence", "op": "lt", "value": 0.5}]. '
        "Operators: eq, ne, lt, lte, gt, gte, in, contains.",
    )
    secrets = EncryptedJSONField(
        default=list, editable=False,
        help_text="Signing secrets (whsec_…) with their expiry, encrypted at rest.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "active"], name="webhook_ws_active")]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return ALL_EVENTS in self.events or event_type in self.events


class Delivery(models.Model):
    """One event on its way to one destination; retried until it succeeds or gives up."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (gave up)"
        CANCELLED = "cancelled", "Cancelled (destination deleted)"

    public_id = PublicIdField("dlv")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="deliveries",
        help_text="The event's workspace.",
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", help_text="What is sent."
    )
    destination_kind = models.CharField(
        max_length=32, help_text='Where it goes: "webhook", "crm", "zapier".'
    )
    destination_id = models.BigIntegerField(help_text="The destination row's primary key.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING,
        help_text="Pending until a 2xx answer (succeeded) or the retry schedule runs out.",
    )
    attempt_count = models.PositiveIntegerField(default=0, help_text="Tries so far.")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When it is tried next; empty when finished or its destination is paused.",
    )
    claimed_until = models.DateTimeField(
        null=True, blank=True,
        help_text="A worker is sending it until then; after that another may take it over.",
    )
    last_error = models.CharField(max_length=500, blank=True, default="", help_text="Last failure.")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="When it succeeded.")

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "destination_kind", "destination_id"],
                name="delivery_unique_event_destination",
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "destination_kind", "destination_id", "created_at"],
                name="delivery_ws_destination",
            ),
            models.Index(
                fields=["next_attempt_at"], name="delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.destination_kind} {self.destination_id}"


class Attempt(models.Model):
    """One try of a delivery. Append-only: never changed after it is written."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", help_text="The delivery's workspace."
    )
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(help_text="1 for the first try.")
    started_at = models.DateTimeField(help_text="When the request was sent.")
    duration_ms = models.FloatField(help_text="How long until the answer or the error.")
    response_status = models.PositiveIntegerField(
        null=True, blank=True, help_text="HTTP status; empty when no answer came."
    )
    response_body = models.TextField(
        blank=True, default="", help_text="The first 4 KiB of the answer."
    )
    error = models.CharField(max_length=500, blank=True, default="", help_text="Why it failed.")

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "delivery"], name="attempt_ws_delivery")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


RESPONSE_BODY_LIMIT = 4096

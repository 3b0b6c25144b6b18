"""Webhooks (what to call); deliveries and attempts (what happened), shared by all destinations."""
from django.db import models
from django.utils import timezone

from integrations.delivery import destinations
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
    claim_token = models.UUIDField(
        null=True, blank=True, editable=False,
        help_text="Which worker's claim it is under: a worker whose claim was taken over "
        "(its lease lapsed) writes nothing.",
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
            # A destination's due deliveries, in order: what a worker claims.
            models.Index(
                fields=["destination_kind", "destination_id", "next_attempt_at"],
                name="delivery_destination_due", condition=models.Q(status="pending"),
            ),
            # Claims held (or lapsed and not yet taken over): the in-flight count is read
            # from these few rows, not from a destination's whole backlog.
            models.Index(
                fields=["destination_kind", "destination_id", "claimed_until"],
                name="delivery_claimed", condition=models.Q(claimed_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} to {self.destination_title}"

    @property
    def destination(self):
        """The webhook, CRM connection or Zapier hook it goes to; None once deleted."""
        kind = destinations.get(self.destination_kind)
        return kind.model.objects.filter(pk=self.destination_id).first()

    @property
    def destination_title(self) -> str:
        """`webhook “Orders”`, `Zapier hook hook_…`, `Salesforce “Sales”`."""
        try:
            kind = destinations.get(self.destination_kind)
        except KeyError:
            return f"{self.destination_kind} {self.destination_id}"
        destination = self.destination
        return kind.title(destination) if destination else f"a deleted {self.destination_kind}"


class Attempt(models.Model):
    """One try of a delivery. Written "in flight" before the request leaves, then given its
    outcome once; never changed after that."""

    class Outcome(models.TextChoices):
        IN_FLIGHT = "in_flight", "In flight"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted (the sender stopped before an answer)"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", help_text="The delivery's workspace."
    )
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(help_text="1 for the first try.")
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.IN_FLIGHT,
        help_text="In flight while the request is out; interrupted when its sender died "
        "(the receiver may have got it: the retry carries the same webhook-id).",
    )
    started_at = models.DateTimeField(help_text="When the request was sent.")
    duration_ms = models.FloatField(
        null=True, blank=True, help_text="How long until the answer or the error."
    )
    response_status = models.PositiveIntegerField(
        null=True, blank=True, help_text="HTTP status; empty when no answer came."
    )
    response_body = models.TextField(
        blank=True, default="", help_text="The first 4 KiB of the answer."
    )
    error = models.CharField(max_length=500, blank=True, default="", help_text="Why it failed.")

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_unique_number"),
        ]
        indexes = [
            models.Index(fields=["workspace", "delivery"], name="attempt_ws_delivery"),
            models.Index(fields=["delivery"], name="attempt_in_flight",
                         condition=models.Q(outcome="in_flight")),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery.public_id}"

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300

    @property
    def summary(self) -> str:
        """`#2 HTTP 500 (12 ms)`, `#1 in flight`: one line for logs and the admin."""
        if self.outcome in (self.Outcome.IN_FLIGHT, self.Outcome.INTERRUPTED):
            return f"#{self.number} {self.get_outcome_display().split(' (')[0].lower()}"
        answer = f"HTTP {self.response_status}" if self.response_status else self.error
        return f"#{self.number} {answer} ({self.duration_ms or 0:.0f} ms)"


class Recovery(models.Model):
    """An operator's "re-send every failed delivery of this destination since …": one logged
    operation, carried out in batches by a worker."""

    public_id = PublicIdField("rcv")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+",
        help_text="The destination's workspace.",
    )
    destination_kind = models.CharField(max_length=32, help_text='"webhook", "crm" or "zapier".')
    destination_id = models.BigIntegerField(help_text="The destination row's primary key.")
    since = models.DateTimeField(
        help_text="Failed deliveries created from this time on are re-sent."
    )
    requested_by = models.CharField(
        max_length=200, blank=True, default="", help_text="The operator or API key that asked."
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Empty while it runs.")
    deliveries_resent = models.PositiveIntegerField(
        default=0, help_text="Failed deliveries queued again so far."
    )

    class Meta:
        verbose_name_plural = "recoveries"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "destination_kind", "destination_id"],
                                name="recovery_ws_destination")]

    def __str__(self) -> str:
        return f"recovery of {self.destination_kind} {self.destination_id} since {self.since:%c}"


RESPONSE_BODY_LIMIT = 4096

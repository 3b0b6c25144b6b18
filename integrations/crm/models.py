"""CRM connections (what to call) and their field mappings."""
from django.db import models
from django.utils import timezone

from integrations.models import DestinationHealth
from metachat.crypto import EncryptedJSONField
from metachat.events.catalogue import EventType
from metachat.ids import PublicIdField
from metachat.workspaces.models import Workspace


def default_events() -> list[str]:
    return [EventType.CONVERSATION_ENDED.value]


class CrmConnection(DestinationHealth):
    """A CRM to log conversations in. Its delivery health (active, failing since, last
    success, disabled reason) is the shared `DestinationHealth`, kept by the pipeline as for
    every destination; `status` is the connection's own state on top of it."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        ERROR = "error", "Error"
        DISCONNECTED = "disconnected", "Disconnected"

    public_id = PublicIdField("crm")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="crm_connections",
        help_text="The workspace whose conversations are logged in this CRM.",
    )
    provider = models.CharField(
        max_length=32, help_text="Which CRM: salesforce, hubspot, pipedrive, zendesk, intercom."
    )
    name = models.CharField(max_length=200, help_text="What this connection is for.")
    credentials = EncryptedJSONField(
        default=dict, blank=True,
        help_text="The CRM credentials, encrypted at rest; never shown back.",
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.CONNECTED,
        help_text="Connected: records are synced. Error: the CRM refused the last push "
        "(see the last error). Disconnected: nothing is synced.",
    )
    # Longer than DestinationHealth's: a CRM's reason and the mapping row that caused it.
    last_error = models.TextField(blank=True, help_text="What went wrong the last time.")
    last_error_at = models.DateTimeField(null=True, blank=True, help_text="When it went wrong.")
    events = models.JSONField(
        default=default_events,
        help_text="Which events create a record, e.g. conversation.ended.",
    )
    target_object = models.CharField(
        max_length=80, blank=True,
        help_text="What each event becomes in the CRM (Task, Case, note, ticket, …); "
        "empty means the provider's default.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "CRM connection"
        indexes = [models.Index(fields=["workspace", "status"], name="crm_ws_status")]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"

    # The database form of `is_syncing`, for querysets.
    SYNCING = models.Q(active=True) & ~models.Q(status="disconnected")

    @property
    def is_syncing(self) -> bool:
        """Whether records go out: connected or in error (retried once fixed), and not
        switched off. The one answer to the question, for the pipeline and the admin."""
        return self.active and self.status != self.Status.DISCONNECTED


class FieldMapping(models.Model):
    class Transform(models.TextChoices):
        NONE = "", "As is"
        DATE = "date", "Date (YYYY-MM-DD)"
        DATETIME = "datetime", "Date and time (ISO 8601)"
        UNIX_MS = "unix_ms", "Milliseconds since 1970"
        PERCENT = "percent", "Percent (0.95 → 95)"
        UPPER = "upper", "UPPER CASE"
        LOWER = "lower", "lower case"
        TRUNCATE_255 = "truncate_255", "First 255 characters"

    connection = models.ForeignKey(
        CrmConnection, on_delete=models.CASCADE, related_name="field_mappings",
        help_text="The connection this mapping belongs to.",
    )
    source_field = models.CharField(
        max_length=40, blank=True,
        help_text="Meta Chat data to send (conversation id, user message, …). "
        "Empty when a fixed value is given.",
    )
    target_field = models.CharField(
        max_length=120,
        help_text="The CRM field it goes to, e.g. Description or Confidence__c "
        "(for notes: the label of the line in the note).",
    )
    fixed_value = models.CharField(
        max_length=1000, blank=True,
        help_text="Send this text instead; {conversation_id}-style placeholders are filled in.",
    )
    transform = models.CharField(
        max_length=16, choices=Transform.choices, default=Transform.NONE, blank=True,
        help_text="How the value is written.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the record.")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "target_field"], name="crm_mapping_unique_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_field or 'fixed'} → {self.target_field}"

"""The outbox: one row per event, written in the transaction that caused it."""
from django.db import models
from django.utils import timezone

from metachat.ids import PublicIdField
from metachat.workspaces.models import Workspace


class Event(models.Model):
    public_id = PublicIdField("evt")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="events",
        help_text="The workspace whose conversation produced the event.",
    )
    type = models.CharField(max_length=64, help_text="Event name, e.g. message.sent.")
    payload = models.JSONField(
        help_text='The exact JSON receivers get: {"id", "event", "timestamp", "data"}.'
    )
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When it was fanned out to its destinations; empty until then.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "type", "created_at"], name="event_ws_type_created"),
            models.Index(fields=["workspace", "created_at"], name="event_ws_created"),
            models.Index(
                fields=["created_at"], name="event_undispatched",
                condition=models.Q(dispatched_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"


class WakeUp(models.Model):
    """A wake-up on its way through the broker and not yet taken by a worker: at most one
    per queue of work ("dispatch", or one destination), so nothing queues work twice."""

    key = models.CharField(max_length=80, primary_key=True, help_text='"dispatch" or "webhook:12".')
    requested_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the wake-up was sent; empty once a worker took it.",
    )

    def __str__(self) -> str:
        return self.key

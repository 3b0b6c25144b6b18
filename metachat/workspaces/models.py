"""The tenant: a workspace, and who may operate it."""
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from metachat.ids import PublicIdField


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Paris).")


class Workspace(models.Model):
    public_id = PublicIdField("ws")
    name = models.CharField(max_length=200, help_text="Shown to operators; not to end users.")
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA time zone for schedules and reports, e.g. Europe/Paris.",
    )
    escalation_threshold = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="The chatbot hands a conversation to a person when its answer's confidence "
        "is below this (0 to 1).",
    )
    idle_timeout_minutes = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text="A conversation with no message for this many minutes ends by itself.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        VIEWER = "viewer", "Viewer (read-only)"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="memberships",
        help_text="The workspace this person operates.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        help_text="A staff user of the admin.",
    )
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.ADMIN,
        help_text="Owners and admins change things; viewers only read. "
        "Owners and admins receive failure alerts.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.workspace} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)

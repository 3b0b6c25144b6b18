"""The tenant: a workspace, and who may operate it."""
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from metachat.crypto import EncryptedTextField
from metachat.ids import PublicIdField

DEFAULT_WIDGET_COLOUR = "#2563eb"
validate_colour = RegexValidator(
    r"^#[0-9A-Fa-f]{6}$", "Write the colour as # and six hex digits, e.g. #2563eb."
)


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
    widget_name = models.CharField(
        max_length=80, blank=True, default="",
        help_text="The name at the top of the chat widget. Empty: the workspace's name.",
    )
    widget_greeting = models.CharField(
        max_length=300, blank=True, default="Hi! Ask us anything about our shop.",
        help_text="The first message a visitor sees when the chat widget opens.",
    )
    widget_colour = models.CharField(
        max_length=7, blank=True, default="", validators=[validate_colour],
        help_text="The widget's launcher and header colour, as #rrggbb. Empty: blue (#2563eb).",
    )
    identity_secret = EncryptedTextField(
        blank=True, default="", editable=False,
        help_text="Signs visitors' user ids (HMAC-SHA256), like Intercom's user_hash. Shown "
        "only once, when generated; stored encrypted.",
    )
    identity_verification_required = models.BooleanField(
        "Require verified identities", default=False,
        help_text="Refuse widget visitors who pass a userId without a valid userHash (HMAC-"
        "SHA256 of the user id under the identity secret). Anonymous visitors still chat.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.identity_verification_required and not self.identity_secret:
            raise ValidationError({"identity_verification_required": [
                "Generate an identity secret first (the action on the workspace list), and "
                "sign your users' ids with it on your server."
            ]})

    @property
    def widget_title(self) -> str:
        return self.widget_name or self.name

    @property
    def widget_colour_or_default(self) -> str:
        return self.widget_colour or DEFAULT_WIDGET_COLOUR


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

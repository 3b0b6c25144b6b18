"""API keys: named, scoped credentials of one workspace, stored only as a keyed hash."""
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from apikeys import keys
from apikeys.origins import validate_allowed_origins
from apikeys.scopes import SCOPES
from metachat.ids import PublicIdField
from metachat.workspaces.models import Workspace

RATE_RE = re.compile(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)")


def validate_scopes(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Scopes must be a list of scope names.")
    unknown = [item for item in value if item not in SCOPES]
    if unknown:
        raise ValidationError(f"Unknown scope(s): {', '.join(unknown)}.")


def validate_rate(value: str) -> None:
    if value and not RATE_RE.fullmatch(value):
        raise ValidationError(f"{value!r} is not a rate like 600/min, 20/s or 10000/day.")


class ApiKey(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    class Kind(models.TextChoices):
        SECRET = "secret", "Secret (servers only)"
        PUBLISHABLE = "publishable", "Publishable (chat widget in web pages)"

    public_id = PublicIdField("key")
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.SECRET,
        help_text="Secret keys (mc_live_…) are for servers and must never be put in a web "
        "page. Publishable keys (mc_pub_…) are for the chat widget: they may only start "
        "sessions, send chat messages and read their own visitor's conversation, and only "
        "from the allowed origins.",
    )
    allowed_origins = models.JSONField(
        default=list, blank=True, validators=[validate_allowed_origins],
        help_text="Publishable keys only: the web origins the widget may run on, exactly as "
        "the browser sends them (https://shop.example.com). http://localhost:* allows any "
        "port on localhost, for development.",
    )
    publishable_key = models.CharField(
        max_length=keys.KEY_LENGTH, blank=True, default="", editable=False,
        help_text="Publishable keys only: the key itself. It is not a secret (it is in every "
        "page that embeds the widget), so it is kept to show the snippet.",
    )
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="api_keys",
        help_text="The workspace this key acts for; every request made with it sees only "
        "this workspace's data.",
    )
    name = models.CharField(
        max_length=100, help_text='What the key is for, e.g. "Zapier" or "Webhook Integration".'
    )
    scopes = models.JSONField(
        default=list, blank=True, validators=[validate_scopes],
        help_text="What the key may do; a request needing another scope gets 403.",
    )
    identifier = models.CharField(
        max_length=keys.IDENTIFIER_LENGTH, unique=True, editable=False,
        help_text="The start of the key after mc_live_ or mc_pub_, used to find it; not a "
        "secret on its own.",
    )
    key_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="The operator who created it in the admin.",
    )
    created_by_key = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The API key that created it through the API.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(
        null=True, blank=True,
        help_text="After this moment the key stops working. Empty: it never expires.",
    )
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was revoked; it stopped working then."
    )
    last_used_at = models.DateTimeField(
        null=True, blank=True, help_text="Last successful request, within a minute."
    )
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The key this one was rolled to; this one works until it expires.",
    )
    rate_limit = models.CharField(
        max_length=32, blank=True, default="", validators=[validate_rate],
        help_text="Requests allowed, e.g. 1200/min. Empty: the default rate "
        "(API_KEY_THROTTLE_RATE).",
    )

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "created_at"], name="apikey_ws_created"),
            models.Index(fields=["workspace", "name"], name="apikey_ws_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_publishable(self) -> bool:
        return self.kind == self.Kind.PUBLISHABLE

    @property
    def prefix(self) -> str:
        return keys.display_prefix(self.identifier, publishable=self.is_publishable)

    def clean(self):
        super().clean()
        if self.is_publishable:
            if not self.allowed_origins:
                raise ValidationError({"allowed_origins": [
                    "A publishable key needs at least one allowed origin "
                    "(e.g. https://shop.example.com)."
                ]})
            if self.scopes:
                raise ValidationError({"scopes": [
                    "Publishable keys have no scopes: they only work with the chat widget."
                ]})
        elif self.allowed_origins:
            raise ValidationError({"allowed_origins": [
                "Only publishable keys have allowed origins; secret keys are for servers."
            ]})

    @classmethod
    def status_filter(cls, status: str, now) -> models.Q:
        """The keys whose `status_at(now)` is `status`, as a query filter."""
        revoked = models.Q(revoked_at__lte=now)
        expired = models.Q(expires_at__lte=now)
        if status == cls.Status.REVOKED:
            return revoked
        if status == cls.Status.EXPIRED:
            return expired & ~revoked
        return ~revoked & ~expired

    def status_at(self, now) -> str:
        if self.revoked_at is not None and self.revoked_at <= now:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

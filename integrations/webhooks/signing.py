"""Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`).

Receivers verify them with the `standardwebhooks` or `svix` libraries. During a rotation
the old secret keeps signing next to the new one, so the header carries one `v1,…` per
live secret, space-separated, and receivers holding either secret accept the message.
"""
import base64
import secrets as random_secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from standardwebhooks.webhooks import Webhook as StandardWebhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix, not a secret


def secret_generate() -> str:
    """A new signing secret: `whsec_` and 24 random bytes in base64, as Svix makes them."""
    return SECRET_PREFIX + base64.b64encode(random_secrets.token_bytes(24)).decode()


def live_secrets(stored: list[dict], *, now: datetime) -> list[str]:
    """The secrets that sign now: the current one and any still inside their overlap."""
    live = []
    for entry in stored:
        expires = entry.get("expires_at")
        if expires is None or datetime.fromisoformat(expires) > now:
            live.append(entry["secret"])
    return live


def secrets_rotate(stored: list[dict], *, now: datetime) -> tuple[list[dict], str]:
    """A new current secret first; the ones before it keep signing for WEBHOOK_SECRET_OVERLAP."""
    new = secret_generate()
    overlap_end = now + timedelta(seconds=settings.WEBHOOK_SECRET_OVERLAP)
    kept = []
    for entry in stored:
        expires = entry.get("expires_at")
        expires_at = datetime.fromisoformat(expires) if expires else overlap_end
        if expires_at > now:
            until = min(expires_at, overlap_end).isoformat()
            kept.append({"secret": entry["secret"], "expires_at": until})
    return [{"secret": new, "expires_at": None}, *kept], new


def signature_headers(*, message_id: str, body: str, signing_secrets: list[str],
                      timestamp: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for `body` (the exact text sent)."""
    timestamp = (timestamp or datetime.now(UTC)).astimezone(UTC)
    signatures = [
        StandardWebhook(secret).sign(message_id, timestamp, body) for secret in signing_secrets
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }

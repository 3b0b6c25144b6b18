"""Visitor identity for the chat widget: an HMAC-SHA256 of the user id under the workspace's
identity secret, made on the customer's server (Intercom's user_hash)."""
import hashlib
import hmac
import secrets

SECRET_PREFIX = "mcid_"  # noqa: S105  (a prefix, not a secret)


def identity_secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def identity_hash(*, secret: str, user_id: str) -> str:
    """The hex HMAC-SHA256 of `user_id` under `secret`, as the customer's server makes it."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def identity_matches(*, secret: str, user_id: str, user_hash: str) -> bool:
    if not secret or not user_hash:
        return False
    return hmac.compare_digest(identity_hash(secret=secret, user_id=user_id),
                               user_hash.strip().lower())

"""System checks of the deployment: `manage.py check --deploy` fails on each hazard below.

Each would otherwise surface later and worse: a placeholder secret lets anyone forge
sessions, a malformed encryption key makes every webhook or CRM save a 500, secrets
generated per container under an unshared var/ make one container unable to read what
another wrote, and loopback targets in production are an open door to the host.
"""
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register

PLACEHOLDER_MARK = "replace-with"  # how .env.example's sample values begin


@register(Tags.security)
def check_encryption_keys(app_configs=None, **kwargs):
    """Always: a malformed key breaks every save of a secret, in development too."""
    errors = []
    for position, key in enumerate(settings.ENCRYPTION_KEYS, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(Error(
                f"ENCRYPTION_KEYS: key {position} is not a Fernet key.",
                hint="Each key is 32 url-safe base64-encoded bytes: python -c \"from "
                "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\"",
                id="metachat.E003",
            ))
    return errors


@register(Tags.security, deploy=True)
def check_deploy_secrets(app_configs=None, **kwargs):
    errors = []
    for name, number in (("SECRET_KEY", "E001"), ("API_KEY_HASH_SECRET", "E002")):
        value = str(getattr(settings, name, ""))
        if PLACEHOLDER_MARK in value:
            errors.append(Error(
                f"{name} is the placeholder from .env.example.",
                hint=f"Set {name} to 50 or more random characters.", id=f"metachat.{number}",
            ))
    missing = sorted({"SECRET_KEY", "ENCRYPTION_KEYS", "API_KEY_HASH_SECRET"}
                     - set(settings.SECRETS_FROM_ENVIRONMENT))
    for name in missing:
        errors.append(Error(
            f"{name} is not set: a value generated under var/ is in use.",
            hint="Each container would generate its own, and none could read what another "
            f"wrote. Set {name} in the environment (see .env.example).", id="metachat.E004",
        ))
    if any(PLACEHOLDER_MARK in key for key in settings.ENCRYPTION_KEYS):
        errors.append(Error("ENCRYPTION_KEYS is the placeholder from .env.example.",
                            hint="Generate a key with the command in .env.example.",
                            id="metachat.E005"))
    if settings.WEBHOOK_ALLOW_LOOPBACK and not settings.DEBUG:
        errors.append(Error(
            "WEBHOOK_ALLOW_LOOPBACK is true in production.",
            hint="Webhooks and CRM calls could then reach services on the host itself. "
            "Remove it (it is for development and tests).", id="metachat.E006",
        ))
    return errors

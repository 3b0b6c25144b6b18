"""Encryption at rest for secrets (signing secrets, CRM credentials), keyed from the environment.

`ENCRYPTION_KEYS` holds one or more Fernet keys, comma-separated: the first encrypts, all
decrypt, so a key is rotated by putting a new one in front and re-saving rows at leisure.
Without it, a development key is generated once under var/.
"""
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_PREFIX = "fernet:"


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"ENCRYPTION_KEYS holds a malformed key: {error}") from None


def encrypt(plaintext: str) -> str:
    return _PREFIX + _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    try:
        return _fernet().decrypt(token.removeprefix(_PREFIX).encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with ENCRYPTION_KEYS; was a key removed?"
        ) from None


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the plain text."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(_PREFIX):
            return decrypt(value)
        return super().to_python(value)

    def value_to_string(self, obj):
        # Serialized dumps (dumpdata, fixtures) carry the ciphertext, never the secret.
        return self.get_prep_value(self.value_from_object(obj))


class EncryptedJSONField(models.TextField):
    """A JSON value (a dict of credentials, a list of secrets) stored encrypted."""

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return json.loads(decrypt(value))

    def value_to_string(self, obj):
        # Serialized dumps (dumpdata, fixtures) carry the ciphertext, never the secret.
        return self.get_prep_value(self.value_from_object(obj))

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(_PREFIX):
            return json.loads(decrypt(value))
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

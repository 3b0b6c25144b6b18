"""Secrets are stored encrypted with the keys from the environment, and rotate."""
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from metachat import crypto


@pytest.fixture
def keys(settings):
    def use(*keys):
        settings.ENCRYPTION_KEYS = list(keys)
        crypto._fernet.cache_clear()

    yield use
    crypto._fernet.cache_clear()


def test_round_trip_and_ciphertext_hides_the_plaintext(keys):
    keys(Fernet.generate_key().decode())

    token = crypto.encrypt("whsec_very-secret")

    assert "very-secret" not in token
    assert crypto.decrypt(token) == "whsec_very-secret"


def test_rotation_keeps_old_values_readable(keys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old)
    token = crypto.encrypt("s3cret")

    keys(new, old)

    assert crypto.decrypt(token) == "s3cret"


def test_a_removed_key_is_a_clear_configuration_error(keys):
    keys(Fernet.generate_key().decode())
    token = crypto.encrypt("s3cret")
    keys(Fernet.generate_key().decode())

    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        crypto.decrypt(token)

"""The API key secret: generate, check the format, hash and verify.

A secret key reads `mc_live_<identifier><secret><checksum>`, a publishable (widget) key
`mc_pub_<identifier><secret><checksum>` in the same shape:
- `mc_live_` lets secret scanners recognise a leaked key;
- the identifier (12 base62 characters) is stored in plain and indexes the lookup;
- the secret (43 base62 characters, 256 random bits) is never stored, only an
  HMAC-SHA256 of the whole key under a server secret (keys are random, so a fast keyed
  hash is as strong as a password hasher and costs microseconds);
- the checksum (6 base62 characters of a CRC32) rejects mistyped or truncated keys
  before the database is asked.
"""
import hashlib
import hmac
import re
import secrets
import string
import zlib
from dataclasses import dataclass

from django.conf import settings

PREFIX = "mc_live_"
PUBLISHABLE_PREFIX = "mc_pub_"
IDENTIFIER_LENGTH = 12
SECRET_LENGTH = 43  # 62**43 > 2**256
CHECKSUM_LENGTH = 6  # 62**6 > 2**32
KEY_LENGTH = len(PREFIX) + IDENTIFIER_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH

_BASE62 = string.digits + string.ascii_letters


def _key_re(prefix: str) -> re.Pattern:
    return re.compile(
        rf"{prefix}([0-9A-Za-z]{{{IDENTIFIER_LENGTH}}})[0-9A-Za-z]{{{SECRET_LENGTH}}}"
        rf"([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})"
    )


_KEY_RE = _key_re(PREFIX)
_PUBLISHABLE_KEY_RE = _key_re(PUBLISHABLE_PREFIX)


@dataclass(frozen=True)
class NewKey:
    plaintext: str  # shown once, never stored
    identifier: str
    hash: str


def _random_base62(length: int) -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(length))


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def key_hash(plaintext: str) -> str:
    """HMAC-SHA256 of the key under API_KEY_HASH_SECRET, hex."""
    secret = settings.API_KEY_HASH_SECRET.encode()
    return hmac.new(secret, plaintext.encode("ascii"), hashlib.sha256).hexdigest()


def generate(*, publishable: bool = False) -> NewKey:
    identifier = _random_base62(IDENTIFIER_LENGTH)
    body = (PUBLISHABLE_PREFIX if publishable else PREFIX) + identifier + \
        _random_base62(SECRET_LENGTH)
    plaintext = body + _checksum(body)
    return NewKey(plaintext=plaintext, identifier=identifier, hash=key_hash(plaintext))


def parse_identifier(plaintext: str) -> str | None:
    """The lookup identifier of a well-formed key, or None when the format or checksum is off."""
    return _parse(_KEY_RE, plaintext)


def parse_publishable_identifier(plaintext: str) -> str | None:
    """As parse_identifier, for a publishable `mc_pub_…` key."""
    return _parse(_PUBLISHABLE_KEY_RE, plaintext)


def _parse(pattern: re.Pattern, plaintext: str) -> str | None:
    match = pattern.fullmatch(plaintext)
    if match is None:
        return None
    body = plaintext[: -CHECKSUM_LENGTH]
    if not hmac.compare_digest(match.group(2), _checksum(body)):
        return None
    return match.group(1)


def hash_matches(plaintext: str, stored_hash: str) -> bool:
    return hmac.compare_digest(key_hash(plaintext), stored_hash)


def display_prefix(identifier: str, *, publishable: bool = False) -> str:
    """What operators see to recognise a key: `mc_live_AbC123xyZ789…`."""
    return f"{PUBLISHABLE_PREFIX if publishable else PREFIX}{identifier}…"

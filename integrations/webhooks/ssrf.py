"""The SSRF guard at save time: a URL may only point at public addresses.

`check_url` runs the resolver step of the egress (`integrations/egress.py`), which checks
every address again at connect time and connects to the very address it checked.
"""
import logging
from urllib.parse import urlsplit

import requests
from requests_hardened.ip_filter import InvalidIPAddress

from integrations.egress import check_host

logger = logging.getLogger(__name__)


class UnsafeURL(ValueError):
    """The URL may not be called: bad scheme, no host, or a forbidden address."""


def check_url(url: str) -> None:
    """Raise UnsafeURL unless `url` is http(s) and its host resolves to an allowed address."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise UnsafeURL("The URL is malformed.") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("The URL must start with https:// or http://.")
    if not parts.hostname:
        raise UnsafeURL("The URL has no host name.")
    if parts.username or parts.password:
        raise UnsafeURL("The URL must not carry a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURL("The URL's port is not a number from 1 to 65535.") from None
    try:
        check_host(parts.hostname, port)
    except InvalidIPAddress as error:
        raise UnsafeURL(
            f"The URL's host resolves to {error}, a private, loopback or reserved address; "
            "Meta Chat only calls public addresses."
        ) from None
    except (requests.RequestException, UnicodeError, ValueError, OSError):
        raise UnsafeURL(f"The URL's host {parts.hostname!r} could not be resolved.") from None

"""Web origins a publishable key may be used from: checked when saved, matched per request."""
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

# A port wildcard is for development servers on the operator's own machine only.
WILDCARD_PORT_HOSTS = ("localhost", "127.0.0.1", "[::1]")
MAX_ORIGINS = 50


def origin_normalise(value: str) -> str:
    """`https://Shop.Example.com/` → `https://shop.example.com`; ValidationError when `value`
    is not a bare origin (scheme, host and optional port, nothing else)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("An origin is a text like https://shop.example.com.")
    text = value.strip().rstrip("/")
    shown = text if len(text) <= 100 else text[:100] + "…"
    wildcard = text.endswith(":*")
    try:
        parts = urlsplit(text[:-2] if wildcard else text)
        port = parts.port
    except ValueError:
        raise ValidationError(f"{shown!r} is not an origin like https://shop.example.com.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            f"{shown!r} is not an origin: write the scheme and host, e.g. https://shop.example.com."
        )
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(
            f"{shown!r} has more than an origin: leave out paths, queries and credentials."
        )
    if "*" in (text[:-2] if wildcard else text):
        raise ValidationError(
            f"{shown!r}: wildcard hosts are not allowed; list each origin exactly."
        )
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    host = host.lower()
    if wildcard:
        if host not in WILDCARD_PORT_HOSTS or port is not None:
            raise ValidationError(
                f"{shown!r}: a port wildcard (:*) is allowed only for "
                "http://localhost:*, http://127.0.0.1:* and http://[::1]:*."
            )
        return f"{parts.scheme}://{host}:*"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def validate_allowed_origins(value) -> None:
    if not isinstance(value, list):
        raise ValidationError("Allowed origins must be a list of origins.")
    if len(value) > MAX_ORIGINS:
        raise ValidationError(f"At most {MAX_ORIGINS} origins.")
    for item in value:
        if origin_normalise(item) != item:
            raise ValidationError(f"{item!r} is not written as a normalised origin.")


def origins_normalise(values) -> list[str]:
    """Normalise a list of origins, dropping duplicates and keeping their order."""
    if not isinstance(values, list | tuple):
        raise ValidationError("Allowed origins must be a list of origins.")
    result = []
    for value in values:
        origin = origin_normalise(value)
        if origin not in result:
            result.append(origin)
    if len(result) > MAX_ORIGINS:
        raise ValidationError(f"At most {MAX_ORIGINS} origins.")
    return result


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    """Whether a request's `Origin` header is one of `allowed` (exactly, or by port wildcard)."""
    if not origin or origin == "null":
        return False
    try:
        candidate = origin_normalise(origin)
    except ValidationError:
        return False
    if candidate != origin.lower():  # an Origin header is always a bare origin
        return False
    if candidate in allowed:
        return True
    scheme_host, _, port = candidate.rpartition(":")
    return port.isdigit() and f"{scheme_host}:*" in allowed

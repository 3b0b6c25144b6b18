"""The HTTP POST of one signed event through the shared egress: address checked, no redirects."""
import json
import logging
import time

import requests
from django.conf import settings
from django.utils import timezone
from requests_hardened.ip_filter import InvalidIPAddress

from integrations.delivery.destinations import AttemptResult
from integrations.delivery.retry import parse_retry_after
from integrations.egress import egress_session
from integrations.models import RESPONSE_BODY_LIMIT
from integrations.webhooks.signing import signature_headers

logger = logging.getLogger(__name__)


def body_of(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"))


def webhook_post(
    *, url: str, payload: dict, message_id: str, signing_secrets: list[str]
) -> AttemptResult:
    """POST `payload` to `url`, signed. Any 2xx is success; everything else is reported."""
    body = body_of(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": settings.WEBHOOK_USER_AGENT,
        **signature_headers(message_id=message_id, body=body, signing_secrets=signing_secrets),
    }
    clock = time.perf_counter()
    try:
        timeout = (settings.WEBHOOK_TIMEOUT, settings.WEBHOOK_TIMEOUT)
        with egress_session().post(url, data=body.encode(), headers=headers, timeout=timeout,
                                   allow_redirects=False, stream=True) as response:
            # Read at most what the log keeps: a huge answer must not cost memory or time.
            raw = response.raw.read(RESPONSE_BODY_LIMIT, decode_content=True) or b""
            status = response.status_code
            retry_after = parse_retry_after(response.headers.get("Retry-After"), now=timezone.now())
    except InvalidIPAddress as error:
        return _failure(clock, f"refused: {error} is not a public address")
    except requests.Timeout:
        return _failure(clock, f"timed out after {settings.WEBHOOK_TIMEOUT:g} s")
    except requests.ConnectionError as error:
        return _failure(clock, f"connection failed: {_short(error)}")
    except requests.RequestException as error:
        return _failure(clock, f"request failed: {_short(error)}")
    duration_ms = (time.perf_counter() - clock) * 1000
    text = raw.decode("utf-8", errors="replace")
    ok = 200 <= status < 300
    error = ""
    if 300 <= status < 400:
        error = f"HTTP {status}: redirects are not followed"
    elif not ok:
        error = f"HTTP {status}"
    return AttemptResult(ok=ok, status=status, body=text, error=error,
                         retry_after=None if ok else retry_after, duration_ms=duration_ms)


def _failure(clock: float, error: str) -> AttemptResult:
    elapsed_ms = (time.perf_counter() - clock) * 1000
    return AttemptResult(ok=False, error=error[:500], duration_ms=elapsed_ms)


def _short(error: Exception) -> str:
    # urllib3 nests the cause several levels deep; the innermost says what happened.
    while error.__context__ is not None and error.args and isinstance(error.args[0], Exception):
        error = error.args[0]
    return str(error)[:300]

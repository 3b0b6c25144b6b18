"""The HTTP POST of one signed event through the shared egress: address checked, no redirects."""
import json
import logging
import time

import requests
import urllib3
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
    limit = settings.WEBHOOK_TIMEOUT
    try:
        # `total` bounds the whole exchange up to the answer's headers, not each socket read:
        # a receiver that trickles its answer cannot hold a worker past its claim's lease.
        timeout = urllib3.Timeout(connect=limit, read=limit, total=limit)
        with egress_session().post(url, data=body.encode(), headers=headers, timeout=timeout,
                                   allow_redirects=False, stream=True) as response:
            status = response.status_code
            retry_after = parse_retry_after(response.headers.get("Retry-After"), now=timezone.now())
            raw = _answer_start(response, deadline=time.monotonic() + limit)
    except InvalidIPAddress as error:
        return _failure(clock, f"refused: {error} is not a public address")
    except requests.Timeout:
        return _failure(clock, f"timed out after {settings.WEBHOOK_TIMEOUT:g} s")
    except requests.ConnectionError as error:
        return _failure(clock, f"connection failed: {_short(error)}")
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        # (urllib3's own errors surface while the body is read: a cut-off or malformed answer)
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


def _answer_start(response, *, deadline: float) -> bytes:
    """The start of the answer, for the log: at most what the log keeps (a huge answer costs
    neither memory nor time), and only what arrives before `deadline` (the status is known
    already; a trickling body is cut, not waited for)."""
    chunks, size = [], 0
    while size < RESPONSE_BODY_LIMIT and time.monotonic() < deadline:
        # read1: what has arrived, without waiting for the whole amount
        chunk = response.raw.read1(min(1024, RESPONSE_BODY_LIMIT - size), decode_content=True)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _failure(clock: float, error: str) -> AttemptResult:
    elapsed_ms = (time.perf_counter() - clock) * 1000
    return AttemptResult(ok=False, error=error[:500], duration_ms=elapsed_ms)


def _short(error: Exception) -> str:
    # urllib3 nests the cause several levels deep; the innermost says what happened.
    while error.__context__ is not None and error.args and isinstance(error.args[0], Exception):
        error = error.args[0]
    return str(error)[:300]

"""`GET /healthz`: is the database answering, and the broker? 200 when both, else 503."""
import logging
import os
import threading
import time

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

_broker_connections: dict[str, Connection] = {}
_broker_lock = threading.Lock()

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if url.startswith("filesystem://"):
        folder = options["data_folder_in"]
        if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            raise OSError(f"broker folder {folder} is not a writable directory")
        return
    # One connection per process, kept between probes (a probe every few seconds must not
    # open a new one each time); re-established when it broke.
    with _broker_lock:
        conn = _broker_connections.get(url)
        if conn is None:
            conn = Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS,
                              transport_options=options)
            _broker_connections[url] = conn
        try:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            if url.startswith("redis"):
                conn.default_channel.client.ping()
        except Exception:
            _broker_connections.pop(url, None)
            conn.release()
            raise


CHECKS = {"database": check_database, "broker": check_broker}


def _run(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure means "not answering"
        logger.warning("health check failed: %s", type(error).__name__)
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "latencyMs": round((time.perf_counter() - started) * 1000, 1)}


@never_cache
@require_GET
def healthz(request):
    results = {name: _run(check) for name, check in CHECKS.items()}
    healthy = all(result["ok"] for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )


class HealthzMiddleware:
    """Answer /healthz before host validation, so probes from inside the network (which
    address the container by IP, not by a public host name) always get through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return healthz(request)
        return self.get_response(request)

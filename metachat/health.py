"""`GET /healthz`: is the database answering, and the broker? 200 when both, else 503."""
import logging
import os
import time

from celery import current_app
from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

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
    # A connection of the app's pool (the one that sends wake-ups), not a new one per probe.
    with current_app.pool.acquire(block=True, timeout=BROKER_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        if url.startswith("redis"):
            conn.default_channel.client.ping()


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

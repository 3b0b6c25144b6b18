"""Cost of API-key authentication per request: GET /v1/me with a key versus the same view
with the key handed over for free (no header parsing, lookup, hash, scope, throttle or
tenant check), in one run, through Django's full request stack (test client, middleware).

Runs on a throwaway SQLite database; uses REDIS_URL for the cache (throttle) if it is set.
"""
import os
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))

_tmp = tempfile.mkdtemp(prefix="metachat-bench-auth-")
os.environ["METACHAT_VAR_DIR"] = _tmp
os.environ["DATABASE_URL"] = f"sqlite:///{Path(_tmp) / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metachat.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.authentication import BaseAuthentication  # noqa: E402

from apikeys.api import MeView  # noqa: E402
from apikeys.authentication import ApiKeyUser  # noqa: E402
from apikeys.scopes import SCOPES  # noqa: E402
from apikeys.services import api_key_create  # noqa: E402
from metachat.workspaces.services import workspace_create  # noqa: E402

call_command("migrate", verbosity=0)
WORKSPACE = workspace_create(name="Bench")
API_KEY, PLAINTEXT = api_key_create(
    workspace=WORKSPACE, name="bench", scopes=list(SCOPES), rate_limit="100000000/s"
)


class HandedOverKey(BaseAuthentication):
    """The baseline: the request 'is' the bench key, at no cost."""

    def authenticate(self, request):
        return ApiKeyUser(API_KEY), API_KEY


class MeWithoutAuthentication(MeView):
    authentication_classes = [HandedOverKey]
    permission_classes = []
    throttle_classes = []


# This script is the URLconf of the run (ROOT_URLCONF="__main__").
urlpatterns = [
    path("v1/me", MeView.as_view()),
    path("v1/me-free", MeWithoutAuthentication.as_view()),
]


def run(client: Client, url: str, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content
    return n / elapsed


def main() -> None:
    with override_settings(ROOT_URLCONF="__main__"):
        keyed = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {PLAINTEXT}")
        free = Client(HTTP_HOST="127.0.0.1")
        run(keyed, "/v1/me", 100)  # warm-up
        run(free, "/v1/me-free", 100)
        with_key, without = [], []
        for _ in range(ROUNDS):  # interleaved, so drift hits both alike
            with_key.append(run(keyed, "/v1/me", REQUESTS))
            without.append(run(free, "/v1/me-free", REQUESTS))
    best_with, best_without = max(with_key), max(without)
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"GET /v1/me, Django test client, SQLite, cache {cache}; "
          f"best of {ROUNDS} rounds x {REQUESTS} requests")
    print(f"  without authentication: {best_without:8.0f} req/s")
    print(f"  with API key:           {best_with:8.0f} req/s")
    overhead_us = (1 / best_with - 1 / best_without) * 1e6
    print(f"  ratio with/without:     {best_with / best_without:8.2f}  "
          f"(authentication adds {overhead_us:.0f} µs per request)")


if __name__ == "__main__":
    main()

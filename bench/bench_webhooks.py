"""Webhook delivery: event-to-receiver latency and throughput against a plain HTTP POST loop.

Runs the real pipeline (event_publish → dispatch → deliver → signed POST) with an in-process
Celery worker and a receiver on 127.0.0.1, on a temporary SQLite database (or DATABASE_URL /
CELERY_BROKER_URL when set). Prints figures and ratios; asserts nothing.

    .venv/bin/python bench/bench_webhooks.py [--events 300]
"""
import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("METACHAT_VAR_DIR", tempfile.mkdtemp(prefix="bench-webhooks-"))
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metachat.settings")
os.environ["WEBHOOK_ALLOW_LOOPBACK"] = "true"  # the receiver is on 127.0.0.1
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from celery.contrib.testing.worker import start_worker  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from integrations.models import Webhook  # noqa: E402
from integrations.webhooks.signing import secret_generate  # noqa: E402
from metachat.celery import app  # noqa: E402
from metachat.events.catalogue import EventType  # noqa: E402
from metachat.events.services import event_publish  # noqa: E402
from metachat.workspaces.models import Workspace  # noqa: E402
from tests.receivers import Answer, Receiver  # noqa: E402


class TimedReceiver(Receiver):
    """Records when each webhook-id (or baseline request id) arrived."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.arrived: dict[str, float] = {}
        self.arrival = threading.Condition()
        original = self.server.RequestHandlerClass.do_POST
        receiver = self

        def do_post(handler):
            key = handler.headers.get("webhook-id") or handler.headers.get("x-bench-id")
            with receiver.arrival:
                receiver.arrived.setdefault(key, time.perf_counter())
                receiver.arrival.notify_all()
            original(handler)

        self.server.RequestHandlerClass.do_POST = do_post

    def wait_for(self, key: str, timeout: float = 30) -> float:
        with self.arrival:
            self.arrival.wait_for(lambda: key in self.arrived, timeout)
            return self.arrived[key]


POOL = os.environ.get("BENCH_POOL", "threads")  # e.g. BENCH_POOL=prefork BENCH_CONCURRENCY=4
CONCURRENCY = os.environ.get("BENCH_CONCURRENCY", "8")


def separate_worker() -> bool:
    """With a broker other processes reach (Redis), the worker runs in its own process as in
    production; on the in-memory broker it runs in this one and competes for the GIL."""
    return settings.CELERY_BROKER_URL.startswith("redis")


@contextlib.contextmanager
def worker():
    if not separate_worker():
        with start_worker(app, pool="threads", concurrency=8, perform_ping_check=False,
                          queues=["celery", "deliveries"], loglevel="WARNING",
                          shutdown_timeout=30):
            yield
        return
    env = {**os.environ, "WEBHOOK_TIMEOUT": str(settings.WEBHOOK_TIMEOUT),
           "WEBHOOK_DELIVERY_LEASE": str(settings.WEBHOOK_DELIVERY_LEASE),
           "ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS)}
    log = open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "metachat", "worker", "-Q",
         "celery,deliveries", "-P", POOL, "-c", CONCURRENCY,
         "--loglevel", os.environ.get("BENCH_WORKER_LOGLEVEL", "warning"),
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "bench@%h"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # let it connect before the clock starts
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def beat(stop):
    """As celery beat does in production: the sweeper every 2 s."""
    from integrations.tasks import sweep_deliveries

    while not stop.wait(2.0):
        sweep_deliveries.apply_async(expires=2)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds):
    return f"{seconds * 1000:8.2f} ms"


def baseline(receiver, n):
    """A plain keep-alive requests loop POSTing the same size of body to the same receiver."""
    session = requests.Session()
    body = b'{"id":"evt_x","event":"message.sent","timestamp":"2026-01-01T00:00:00.000Z",' \
           b'"data":{"conversationId":"conv_1","userId":"u","message":"hi","response":"hello",' \
           b'"confidence":0.9}}'
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        session.post(receiver.url, data=body, timeout=10,
                     headers={"x-bench-id": f"b{i}", "content-type": "application/json"})
        latencies.append(time.perf_counter() - t0)
    return latencies, n / (time.perf_counter() - started)


def publish(workspace, n):
    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data={
        "conversationId": "conv_1", "userId": f"user_{n}", "message": "hi",
        "response": "hello", "confidence": 0.9})
    return event.public_id, time.perf_counter()


def pipeline_latency(workspace, receiver, n):
    latencies = []
    for i in range(n):
        event_id, t0 = publish(workspace, i)
        latencies.append(receiver.wait_for(event_id) - t0)
    return latencies


def pipeline_throughput(workspace, receiver, n):
    started = time.perf_counter()
    ids = [publish(workspace, i)[0] for i in range(n)]
    last = max(receiver.wait_for(event_id, timeout=120) for event_id in ids)
    return n / (last - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    n = args.events

    call_command("migrate", verbosity=0)
    if settings.CELERY_BROKER_URL.startswith("memory"):
        app.conf.broker_transport_options = {"polling_interval": 0.005}
    settings.WEBHOOK_TIMEOUT = 2.0
    settings.WEBHOOK_DELIVERY_LEASE = 10.0
    with contextlib.suppress(Exception), app.connection_for_write() as connection:
        for queue in ("celery", "deliveries"):
            connection.default_channel.queue_purge(queue)
    workspace = Workspace.objects.create(name="Bench")
    fast = TimedReceiver().start()
    hook = Webhook.objects.create(
        workspace=workspace, name="fast", url=fast.url, events=["*"],
        secrets=[{"secret": secret_generate(), "expires_at": None}],
    )
    print(f"database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
          f"broker {settings.CELERY_BROKER_URL.split(':')[0]}, worker: "
          + (f"{POOL} x{CONCURRENCY} in its own process" if separate_worker()
             else "threads x8 in this process (shares the GIL)")
          + f", {n} events per run")

    with worker():
        stop_beat = threading.Event()
        threading.Thread(target=beat, args=(stop_beat,), daemon=True).start()
        base_lat, base_rate = baseline(fast, n)
        publish(workspace, -1)  # warm up
        time.sleep(0.5)
        lat = pipeline_latency(workspace, fast, n)
        rate = pipeline_throughput(workspace, fast, n)

        print("\nEvent → receiver latency (sequential)        p50          p99")
        print(f"  plain POST loop (baseline)          {ms(percentile(base_lat, 50))} "
              f"{ms(percentile(base_lat, 99))}")
        print(f"  webhook pipeline                    {ms(percentile(lat, 50))} "
              f"{ms(percentile(lat, 99))}")
        p50_ratio = percentile(lat, 50) / percentile(base_lat, 50)
        p99_ratio = percentile(lat, 99) / percentile(base_lat, 99)
        print(f"  ratio pipeline / baseline           {p50_ratio:8.1f}x    {p99_ratio:8.1f}x")
        print("\nThroughput")
        print(f"  plain POST loop (baseline)          {base_rate:8.0f} req/s")
        print(f"  webhook pipeline (burst of {n})     {rate:8.0f} deliveries/s")
        print(f"  ratio pipeline / baseline           {rate / base_rate:8.2f}x")

        # A second webhook whose endpoint never answers within the timeout.
        dead = TimedReceiver(default=Answer(200, delay=5)).start()
        Webhook.objects.create(
            workspace=workspace, name="timing out", url=dead.url, events=["*"],
            secrets=[{"secret": secret_generate(), "expires_at": None}],
        )
        m = max(20, n // 5)
        beside = pipeline_latency(workspace, fast, m)
        print(f"\nHealthy webhook latency while another times out ({settings.WEBHOOK_TIMEOUT:g} s "
              f"timeout, {m} events)")
        print(f"  p50 {ms(percentile(beside, 50))}   p99 {ms(percentile(beside, 99))}   "
              f"vs alone p50 x{percentile(beside, 50) / percentile(lat, 50):.1f}, "
              f"p99 x{percentile(beside, 99) / percentile(lat, 99):.1f}")
        print(f"  (the timing-out endpoint got {len(dead.requests)} requests meanwhile)")
        Webhook.objects.filter(workspace=workspace).update(active=False)
        dead.stop()
        stop_beat.set()
    fast.stop()
    assert hook.pk


if __name__ == "__main__":
    main()

"""The delivery pipeline at scale, with the workers in their own processes as the Procfile
starts them, against a pooled raw POST loop to the same receiver in the same run.

PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (a database `metachat_bench` is
made afresh on that server), else the embedded defaults (SQLite and the file-system broker,
as `make run`). The receiver runs in a process of its own. Prints figures and ratios;
asserts only that every delivery arrived and was logged with its attempt.

    .venv/bin/python bench/bench_pipeline.py   (BENCH_EVENTS=2000 BENCH_FANOUT=1000
                                                BENCH_CHAT_SECONDS=60 BENCH_CHAT_CLIENTS=100)
"""
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
EVENTS = int(os.environ.get("BENCH_EVENTS", "2000"))
FANOUT = int(os.environ.get("BENCH_FANOUT", "1000"))
LATENCY_EVENTS = int(os.environ.get("BENCH_LATENCY_EVENTS", "200"))
CHAT_SECONDS = float(os.environ.get("BENCH_CHAT_SECONDS", "60"))
CHAT_CLIENTS = int(os.environ.get("BENCH_CHAT_CLIENTS", "100"))
HANG_SECONDS = 10.0

VAR = tempfile.mkdtemp(prefix="metachat-bench-pipeline-")
os.environ["METACHAT_VAR_DIR"] = VAR
os.environ["WEBHOOK_ALLOW_LOOPBACK"] = "true"
os.environ["WEBHOOK_TIMEOUT"] = str(HANG_SECONDS + 5)  # the hanging endpoint hangs, not times out
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metachat.settings")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    parts = urlsplit(os.environ["DATABASE_URL"])
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/metachat_bench"))
    import psycopg

    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as pg:
        pg.execute("DROP DATABASE IF EXISTS metachat_bench WITH (FORCE)")
        pg.execute("CREATE DATABASE metachat_bench")
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(VAR) / 'bench.sqlite3'}"
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from apikeys.scopes import SCOPES  # noqa: E402
from apikeys.services import api_key_create  # noqa: E402
from integrations.models import Attempt, Delivery, Webhook  # noqa: E402
from integrations.webhooks.signing import secret_generate  # noqa: E402
from metachat.celery import app  # noqa: E402
from metachat.events.catalogue import EventType  # noqa: E402
from metachat.events.models import Event  # noqa: E402
from metachat.events.services import event_publish  # noqa: E402
from metachat.workspaces.models import Workspace  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
       "SECRET_KEY": settings.SECRET_KEY, "API_KEY_HASH_SECRET": settings.API_KEY_HASH_SECRET}
PROCESSES: list[subprocess.Popen] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], name: str) -> subprocess.Popen:
    log = open(Path(VAR) / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(args, env=ENV, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    PROCESSES.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def deliveries_worker(n: int) -> subprocess.Popen:
    return start([str(BIN / "celery"), "-A", "metachat", "worker", "-Q", "deliveries",
                  "--pool", "threads", "--concurrency", "16", "-n", f"deliveries{n}@%h",
                  "--loglevel", "warning", "--without-gossip", "--without-mingle"],
                 f"deliveries{n}")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Receiver:
    def __init__(self):
        self.port = free_port()
        self.process = start([sys.executable, str(ROOT / "bench" / "receiver.py"),
                              str(self.port), str(HANG_SECONDS)], "receiver")
        self.url = f"http://127.0.0.1:{self.port}"
        self.session = requests.Session()
        for _ in range(100):
            with contextlib.suppress(requests.ConnectionError):
                self.session.get(self.url + "/arrivals?clear=1", timeout=2)
                return
            time.sleep(0.05)

    def arrivals(self, clear=False) -> dict[str, float]:
        return self.session.get(self.url + "/arrivals" + ("?clear=1" if clear else ""),
                                timeout=10).json()

    def wait(self, count: int, prefix: str, timeout: float = 300) -> dict[str, float]:
        deadline = time.time() + timeout
        while True:
            got = {k: v for k, v in self.arrivals().items() if k.startswith(prefix)}
            if len(got) >= count or time.time() > deadline:
                return got
            time.sleep(0.02)


def raw_loop(receiver: Receiver, paths: list[str]) -> tuple[float, list[float]]:
    """The baseline: a pooled keep-alive requests loop POSTing a same-size body."""
    session = requests.Session()
    body = Event.objects.order_by("-pk").values_list("payload", flat=True).first()
    data = (str(body) if body else "x" * 300).encode()
    latencies = []
    started = time.perf_counter()
    for i, path in enumerate(paths):
        t0 = time.perf_counter()
        session.post(receiver.url + path, data=data, timeout=10,
                     headers={"x-bench-id": f"raw{i}", "content-type": "application/json"})
        latencies.append(time.perf_counter() - t0)
    return len(paths) / (time.perf_counter() - started), latencies


def webhook(workspace, url: str, events=("message.sent",)) -> Webhook:
    return Webhook.objects.create(
        workspace=workspace, name=url.rsplit("/", 1)[-1], url=url, events=list(events),
        secrets=[{"secret": secret_generate(), "expires_at": None}])


def message_data(n: int) -> dict:
    return {"conversationId": f"conv_{n}", "userId": f"user_{n}",
            "message": "How long is shipping?", "response": "Shipping takes 3-5 business days.",
            "confidence": 0.93}


def vacuum() -> None:
    """This machine's PostgreSQL runs without autovacuum: do what production's would."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("integrations_delivery", "integrations_attempt", "events_event",
                          "events_wakeup"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def check_logged(hooks: list[Webhook], expected: int) -> str:
    deliveries = Delivery.objects.filter(destination_kind="webhook",
                                         destination_id__in=[h.pk for h in hooks])
    deadline = time.time() + 30  # the last outcomes are written just after the last arrival
    while deliveries.filter(status="succeeded").count() < expected and time.time() < deadline:
        time.sleep(0.1)
    ok = deliveries.filter(status="succeeded").count()
    attempts = Attempt.objects.filter(delivery__in=deliveries, outcome="succeeded").count()
    assert ok == expected == attempts, (ok, expected, attempts)
    return f"{ok} deliveries succeeded, {attempts} attempts logged"


def burst_to_one(workspace, receiver, hook, tag) -> float:
    """N events committed at once to one endpoint: commit → last arrival."""
    with transaction.atomic():
        for n in range(EVENTS):
            event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data=message_data(n))
    committed = time.time()
    got = receiver.wait(EVENTS, f"/{hook.name}|")
    assert len(got) == EVENTS, f"{tag}: {len(got)} of {EVENTS} arrived"
    return EVENTS / (max(got.values()) - committed)


def sequential_latency(workspace, receiver, hook, count) -> list[float]:
    latencies = []
    for n in range(count):
        event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT,
                              data=message_data(n))
        committed = time.time()
        key = f"/{hook.name}|{event.public_id}"
        deadline = committed + 30
        while True:
            arrived = receiver.session.get(receiver.url + "/arrivals", params={"key": key},
                                           timeout=10).json()
            if key in arrived:
                latencies.append(arrived[key] - committed)
                break
            if time.time() > deadline:
                raise AssertionError(f"{key} did not arrive")
            time.sleep(0.002)
    return latencies


def line(label: str, value: str) -> None:
    print(f"  {label:<52}{value}")


def main() -> None:
    call_command("migrate", verbosity=0)
    with contextlib.suppress(Exception), app.connection_for_write() as conn:
        for queue in ("celery", "deliveries"):
            conn.default_channel.queue_purge(queue)
    db = connection.vendor
    broker = settings.CELERY_BROKER_URL.split(":")[0]
    print(f"database {db}, broker {broker}; general worker (prefork x2) and deliveries "
          f"worker (threads x16) in their own processes; receiver in its own process")
    receiver = Receiver()
    workspace = Workspace.objects.create(name="Bench")
    start([str(BIN / "celery"), "-A", "metachat", "worker", "-Q", "celery",
                     "--concurrency", "2", "--loglevel", "warning", "--without-gossip",
                     "--without-mingle"], "worker")
    deliveries_worker(1)
    stop_beat = threading.Event()

    def beat():  # as celery beat does: the sweeper every 2 s
        while not stop_beat.wait(2.0):
            with contextlib.suppress(Exception):
                app.send_task("integrations.tasks.sweep_deliveries", expires=10)

    threading.Thread(target=beat, daemon=True).start()
    try:
        warm = webhook(workspace, receiver.url + "/warm")
        event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data=message_data(0))
        receiver.wait(1, "/warm|", timeout=60)
        warm.delete()

        print(f"\n1. {EVENTS} events to one endpoint")
        raw_rate, raw_latencies = raw_loop(receiver, ["/raw-one"] * EVENTS)
        one = webhook(workspace, receiver.url + "/one")
        rate_one = burst_to_one(workspace, receiver, one, "one worker")
        line("raw pooled POST loop", f"{raw_rate:8.0f} POST/s")
        line("pipeline (commit → last arrival)", f"{rate_one:8.0f} deliveries/s")
        line("ratio pipeline / raw", f"{rate_one / raw_rate:8.2f}x   (goal ≥ 0.5x)")
        line("log", check_logged([one], EVENTS))
        Webhook.objects.filter(pk=one.pk).update(active=False)
        vacuum()

        print(f"\n2. One event to {FANOUT} endpoints")
        raw_fan, _ = raw_loop(receiver, [f"/rawfan{i}" for i in range(FANOUT)])
        fan = Webhook.objects.bulk_create([
            Webhook(workspace=workspace, name=f"fan{i}", url=f"{receiver.url}/fan{i}",
                    events=["message.sent"], secrets=[{"secret": "whsec_" + "A" * 32}])
            for i in range(FANOUT)])
        event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data=message_data(1))
        committed = time.time()
        got = receiver.wait(FANOUT, "/fan")
        assert len(got) == FANOUT, f"{len(got)} of {FANOUT} endpoints got the event"
        rate_fan = FANOUT / (max(got.values()) - committed)
        line("raw pooled POST loop", f"{raw_fan:8.0f} POST/s")
        line("pipeline (commit → last arrival)", f"{rate_fan:8.0f} deliveries/s  "
             f"({max(got.values()) - committed:.2f} s for all)")
        line("ratio pipeline / raw", f"{rate_fan / raw_fan:8.2f}x   (goal ≥ 0.5x)")
        line("log", check_logged(fan, FANOUT))
        Webhook.objects.filter(pk__in=[h.pk for h in fan]).update(active=False)
        vacuum()

        print(f"\n3. Event → receiver latency, {LATENCY_EVENTS} events one after another")
        alone_hook = webhook(workspace, receiver.url + "/lat")
        alone = sequential_latency(workspace, receiver, alone_hook, LATENCY_EVENTS)
        raw_p50, raw_p99 = percentile(raw_latencies, 50), percentile(raw_latencies, 99)
        p50, p99 = percentile(alone, 50), percentile(alone, 99)
        line("raw POST round trip p50 / p99", f"{raw_p50 * 1000:7.2f} / {raw_p99 * 1000:7.2f} ms")
        line("pipeline commit → arrival p50 / p99", f"{p50 * 1000:7.2f} / {p99 * 1000:7.2f} ms")
        line("ratio", f"{p50 / raw_p50:7.1f}x / {p99 / raw_p99:5.1f}x")

        print(f"\n4. A healthy endpoint beside one that hangs {HANG_SECONDS:g} s per request")
        hanging = webhook(workspace, receiver.url + "/hang/x")
        beside = sequential_latency(workspace, receiver, alone_hook, LATENCY_EVENTS)
        b50, b99 = percentile(beside, 50), percentile(beside, 99)
        line("healthy alone p50 / p99", f"{p50 * 1000:7.2f} / {p99 * 1000:7.2f} ms")
        line("healthy beside the hanging one p50 / p99",
             f"{b50 * 1000:7.2f} / {b99 * 1000:7.2f} ms")
        line("ratio beside / alone", f"{b50 / p50:7.2f}x / {b99 / p99:5.2f}x   (goal ≤ 1.5x)")
        in_flight = Delivery.objects.filter(destination_id=hanging.pk,
                                            claimed_until__isnull=False).count()
        line("the hanging endpoint's deliveries held by workers", f"{in_flight} "
             f"(its cap: {settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION} batches)")
        Webhook.objects.filter(pk__in=[hanging.pk, alone_hook.pk]).update(active=False)
        Delivery.objects.filter(destination_id=hanging.pk, status="pending").update(
            status="cancelled", next_attempt_at=None)
        vacuum()

        print("\n5. One deliveries worker against two (separate processes)")
        second = deliveries_worker(2)
        time.sleep(3)
        two = webhook(workspace, receiver.url + "/two")
        rate_two = burst_to_one(workspace, receiver, two, "two workers")
        line("one worker, one endpoint (from 1.)", f"{rate_one:8.0f} deliveries/s")
        line("two workers, one endpoint", f"{rate_two:8.0f} deliveries/s")
        Webhook.objects.filter(pk=two.pk).update(active=False)
        stop(second)
        vacuum()

        chat(workspace, receiver)
    finally:
        stop_beat.set()
        for process in reversed(PROCESSES):
            stop(process)


def queue_lengths() -> dict[str, int]:
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        sizes = {}
        for queue in ("celery", "deliveries"):
            try:
                sizes[queue] = channel.queue_declare(queue=queue, passive=True).message_count
            except Exception:  # never declared yet: empty
                sizes[queue] = 0
        return sizes


def chat(workspace, receiver) -> None:
    print(f"\n6. {CHAT_CLIENTS} concurrent chat clients for {CHAT_SECONDS:g} s "
          f"(gunicorn 2 workers x 4 threads, as the Procfile)")
    call_command("load_demo_knowledge_base", workspace.public_id, verbosity=0)
    _, key = api_key_create(workspace=workspace, name="bench", scopes=list(SCOPES),
                            rate_limit="1000000/s")
    hook = webhook(workspace, receiver.url + "/chat")
    port = free_port()
    web = start([str(BIN / "gunicorn"), "metachat.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--threads", "4", "--graceful-timeout", "5"], "web")
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        with contextlib.suppress(requests.RequestException):
            if requests.get(base + "/healthz", timeout=5).status_code == 200:
                break
        time.sleep(0.1)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.time() + CHAT_SECONDS

    def client(n):
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {key}"})
        while time.time() < stop_at:
            t0 = time.perf_counter()
            try:
                response = session.post(base + "/v1/chat", json={
                    "message": "How long is shipping?", "userId": f"user_{n}"}, timeout=30)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                latencies.append(time.perf_counter() - t0) if ok else None
                errors[0] += 0 if ok else 1

    samples = []

    def sampler():
        while time.time() < stop_at + 1:
            sizes = queue_lengths()
            samples.append((time.time() - (stop_at - CHAT_SECONDS), sizes["celery"],
                            sizes["deliveries"],
                            Event.objects.filter(dispatched_at=None).count(),
                            Delivery.objects.filter(status="pending").count()))
            time.sleep(5)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CHAT_CLIENTS)]
    sample_thread = threading.Thread(target=sampler)
    sample_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample_thread.join()
    sent = list(Event.objects.filter(type="message.sent", payload__data__userId__startswith="user_",
                                     created_at__gte=hook.created_at)
                .values_list("public_id", "created_at"))
    got = receiver.wait(len(sent), "/chat|", timeout=120)
    stop(web)
    line("requests/s", f"{len(latencies) / CHAT_SECONDS:8.0f}   ({errors[0]} errors)")
    line("chat p50 / p99", f"{percentile(latencies, 50) * 1000:7.1f} / "
         f"{percentile(latencies, 99) * 1000:7.1f} ms")
    print("  queue length over time (s: celery queue, deliveries queue, undispatched events, "
          "pending deliveries)")
    for t, celery_q, deliveries_q, undispatched, pending in samples:
        print(f"    {t:5.0f} s: {celery_q:6d} {deliveries_q:6d} {undispatched:6d} {pending:6d}")
    e2e = [got[f"/chat|{pid}"] - created.timestamp() for pid, created in sent
           if f"/chat|{pid}" in got]
    line("message.sent delivered", f"{len(e2e)} of {len(sent)}")
    if e2e:
        line("event → receiver p50 / p99", f"{percentile(e2e, 50) * 1000:7.1f} / "
             f"{percentile(e2e, 99) * 1000:7.1f} ms   (goal p99 < 1 s)")
        line("mean", f"{statistics.mean(e2e) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()

"""Faults with real worker processes: a worker killed (SIGKILL) mid-delivery, two workers
sharing the load, the broker (a Redis of the test's own) stopped and started mid-burst."""
import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from kombu import Connection

from integrations.models import Attempt, Delivery
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.factories import WebhookFactory
from tests.helpers import wait_until
from tests.receivers import Answer

CELERY = str(Path(sys.executable).parent / "celery")
# A dead worker's claim on one delivery lasts WEBHOOK_TIMEOUT + WEBHOOK_LEASE_MARGIN: 3 s here.
TIMEOUT, MARGIN = 2, 1


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker_env(tmp_path, *, broker_url: str, **settings_env) -> dict:
    """The environment of a worker process on this test's database and the given broker."""
    return {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": broker_url,
        "METACHAT_VAR_DIR": str(tmp_path), "ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "WEBHOOK_ALLOW_LOOPBACK": "true", "LOG_LEVEL": "WARNING", **settings_env,
    }


@pytest.fixture
def shared_broker(tmp_path):
    """A broker both this process and worker processes reach: Redis when the suite runs on it,
    else the file-system transport in a temporary folder."""
    if settings.CELERY_BROKER_URL.startswith("redis"):
        url, options = settings.CELERY_BROKER_URL, {}
    else:
        folder = tmp_path / "broker"
        folder.mkdir()
        url = "filesystem://"
        # the same folders settings.py gives a worker whose METACHAT_VAR_DIR is tmp_path
        options = {"data_folder_in": str(folder), "data_folder_out": str(folder),
                   "store_processed": False, "control_folder": str(tmp_path / "broker-control")}
    # (Celery prefers the CELERY_BROKER_URL variable over an app's own broker: connect explicitly.)
    app = Celery("side")
    app.shared_connection = lambda: Connection(url, transport_options=options)
    env = _worker_env(tmp_path, broker_url=url, WEBHOOK_LEASE_MARGIN=str(MARGIN),
                      WEBHOOK_TIMEOUT=str(TIMEOUT))
    yield app, env
    with app.shared_connection() as conn:
        for queue in ("celery", "deliveries"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # noqa: S112
                continue


def _start_worker(env, tmp_path, name):
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [CELERY, "-A", "metachat", "worker", "-Q", "celery,deliveries", "-P", "threads",
         "-c", "2", "-n", f"{name}@%h", "--loglevel", "warning", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_a_delivery_survives_its_worker_being_killed(transactional_db, workspace, receiver,
                                                     shared_broker, tmp_path):
    side_app, env = shared_broker
    receiver.answer(Answer(200, b"too late", delay=8))  # the first worker dies while waiting
    WebhookFactory(workspace=workspace, url=receiver.url)
    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data={"x": 1})

    stop_beat = threading.Event()

    def beat():  # stands in for celery beat, sending the sweeper through the shared broker
        while not stop_beat.wait(0.5):
            with side_app.shared_connection() as conn:
                side_app.send_task("integrations.tasks.sweep_deliveries", expires=2,
                                   connection=conn)

    beat_thread = threading.Thread(target=beat, daemon=True)
    beat_thread.start()
    first = _start_worker(env, tmp_path, "first")
    second = None
    try:
        # Given the first worker is in the middle of the delivery
        wait_until(lambda: receiver.requests, timeout=30)
        delivery = Delivery.objects.get(event=event)
        assert delivery.claimed_until is not None and delivery.attempt_count == 1
        # its attempt was logged before the request left
        assert list(delivery.attempts.values_list("number", "outcome")) == [(1, "in_flight")]

        # When it is killed outright, and another worker starts
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        second = _start_worker(env, tmp_path, "second")

        # Then the delivery is made by the other worker once the dead one's claim lapses
        wait_until(lambda: Delivery.objects.filter(event=event, status="succeeded").exists(),
                   timeout=90)
    finally:
        stop_beat.set()
        beat_thread.join(5)
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.public_id] * 2
    delivery = Delivery.objects.get(event=event)
    # Both tries are in the log: the one cut off by the kill, and the one that answered.
    assert delivery.attempt_count == 2
    assert list(delivery.attempts.order_by("number").values_list(
        "number", "outcome", "response_status")) == [(1, "interrupted", None),
                                                     (2, "succeeded", 200)]


def test_two_deliveries_workers_together_send_every_delivery_once(
    transactional_db, workspace, make_receiver, shared_broker, tmp_path
):
    side_app, env = shared_broker
    env = {**env, "WEBHOOK_TIMEOUT": "10"}
    receivers = [make_receiver(default=Answer(200, delay=0.01)) for _ in range(3)]
    for receiver in receivers:
        WebhookFactory(workspace=workspace, url=receiver.url)
    workers = [_start_worker(env, tmp_path, name) for name in ("one", "two")]
    try:
        events = [event_publish(workspace=workspace, type=EventType.USER_STARTED,
                                data={"userId": f"u{n}"}) for n in range(60)]
        # (this process's broker is not theirs: a worker's sweeper finds the events)
        with side_app.shared_connection() as conn:
            side_app.send_task("integrations.tasks.dispatch_events", connection=conn)
        wait_until(lambda: Delivery.objects.filter(status="succeeded").count() == 180,
                   timeout=90)
    finally:
        for process in workers:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    expected = sorted(e.public_id for e in events)
    for receiver in receivers:
        assert sorted(r.headers["webhook-id"] for r in receiver.requests) == expected
    assert Attempt.objects.count() == 180
    assert set(Attempt.objects.values_list("number", "outcome")) == {(1, "succeeded")}


def test_every_event_is_delivered_through_a_broker_restart(
    transactional_db, workspace, make_receiver, own_redis, tmp_path
):
    receiver = make_receiver()
    WebhookFactory(workspace=workspace, url=receiver.url)
    # wake-ups lost with the broker are sent again soon
    env = _worker_env(tmp_path, broker_url=own_redis.url, WAKEUP_LOST_AFTER="2")
    side = Celery("side")
    side.shared_connection = lambda: Connection(own_redis.url)
    stop_beat = threading.Event()

    def beat():  # celery beat's sweeper, through the test's own broker (down for a while)
        while not stop_beat.wait(0.5):
            try:
                with side.shared_connection() as conn:
                    conn.ensure_connection(max_retries=1)
                    side.send_task("integrations.tasks.sweep_deliveries", expires=2,
                                   connection=conn)
            except Exception:  # noqa: S112 - the broker is down: the next sweep goes
                continue

    def publish(n0):
        return [event_publish(workspace=workspace, type=EventType.USER_STARTED,
                              data={"userId": f"u{n}"}) for n in range(n0, n0 + 10)]

    beat_thread = threading.Thread(target=beat, daemon=True)
    workers = [_start_worker(env, tmp_path, "worker")]
    beat_thread.start()
    try:
        events = publish(0)
        wait_until(lambda: receiver.requests, timeout=30)  # the burst is under way

        own_redis.stop()  # the broker goes, with every wake-up it held
        events += publish(10)  # and the product keeps taking events meanwhile
        own_redis.start()
        # Celery's worker may exit on the lost connection (kombu's Redis transport fails while
        # restoring unacknowledged messages); a supervisor (compose's restart policy) starts
        # it again, as here.
        with contextlib.suppress(AssertionError):
            wait_until(lambda: workers[0].poll() is not None, timeout=3)
        if workers[0].poll() is not None:
            workers.append(_start_worker(env, tmp_path, "restarted"))

        wait_until(lambda: Delivery.objects.filter(status="succeeded").count() == 20,
                   timeout=90)
    finally:
        stop_beat.set()
        beat_thread.join(5)
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(10)
    # at least once, and any duplicate carries the same webhook-id
    assert {r.headers["webhook-id"] for r in receiver.requests} == {e.public_id for e in events}
    assert Attempt.objects.filter(outcome="succeeded").count() == 20

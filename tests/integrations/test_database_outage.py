"""PostgreSQL unavailable for a few seconds under load, with real processes: the web server
(gunicorn, as the Procfile runs it) answers every chat message 200 or 503 in the error
envelope, never a 500, and every `message.sent` of a 200 reaches the webhook receiver
through a Celery worker and celery beat (its schedule in the database) that live through
the restart."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings

from tests.helpers import wait_until
from tests.integrations.test_faults import _start_worker
from tests.services import _wait_for_port, free_port

BIN = Path(sys.executable).parent
OUTAGE = 3.0  # seconds the database is down


@dataclass
class Sent:
    message: str
    status: int  # 0: no HTTP answer at all
    content_type: str
    body: str
    retry_after: str
    during_outage: bool


def _manage(env, *args) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"manage.py {args[0]} failed: {done.stderr[-3000:]}"
    return done.stdout.strip()


def _start_web(env, tmp_path, port):
    log = open(tmp_path / "web.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "metachat.wsgi", "-c", "python:metachat.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
         "--graceful-timeout", "5"],
        env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _start_beat(env, tmp_path):
    log = open(tmp_path / "beat.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [str(BIN / "celery"), "-A", "metachat", "beat", "--loglevel", "warning", "--pidfile="],
        env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def test_a_database_restart_under_load_is_503s_and_every_answered_message_is_delivered(
    own_postgres, own_redis, receiver, tmp_path
):
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DATABASE_URL": own_postgres.url, "CELERY_BROKER_URL": own_redis.url,
        "REDIS_URL": own_redis.url, "METACHAT_VAR_DIR": str(tmp_path),
        "ENCRYPTION_KEYS": ",".join(settings.ENCRYPTION_KEYS),
        "WEBHOOK_ALLOW_LOOPBACK": "true", "LOG_LEVEL": "WARNING", "WEBHOOK_TIMEOUT": "5",
        "WAKEUP_LOST_AFTER": "2",  # wake-ups a task lost to the outage are sent again soon
        "API_KEY_THROTTLE_RATE": "100000/min",
    }
    _manage(env, "migrate", "--no-input")
    workspace = _manage(env, "create_workspace", "Outage test")
    key = _manage(env, "create_api_key", workspace, "--name", "outage", "--scopes", "all")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {key}"}

    stop = threading.Event()
    outage = threading.Event()
    sent: list[Sent] = []

    def chat(sender: int):
        session = requests.Session()
        n = 0
        while not stop.is_set():
            n += 1
            message = f"Is order {sender}-{n} shipped?"
            during = outage.is_set()
            try:
                response = session.post(f"{base}/v1/chat", json={"message": message},
                                        headers=auth, timeout=15)
                sent.append(Sent(message, response.status_code,
                                 response.headers.get("Content-Type", ""), response.text,
                                 response.headers.get("Retry-After", ""),
                                 during or outage.is_set()))
            except requests.RequestException as error:
                sent.append(Sent(message, 0, "", repr(error), "", during or outage.is_set()))
            time.sleep(0.02)

    web = worker = beat = None
    threads = [threading.Thread(target=chat, args=(n,), daemon=True) for n in range(3)]
    try:
        web = _start_web(env, tmp_path, port)
        worker = _start_worker(env, tmp_path, "worker")
        beat = _start_beat(env, tmp_path)  # the sweeper every 2 s finds lost wake-ups
        assert _wait_for_port(port, timeout=30), (tmp_path / "web.log").read_text()[-3000:]
        created = requests.post(f"{base}/v1/webhooks", headers=auth, timeout=15, json={
            "name": "Receiver", "url": receiver.url, "events": ["message.sent"]})
        assert created.status_code == 201, created.text
        for thread in threads:
            thread.start()
        # Given messages are flowing and reaching the receiver
        wait_until(lambda: len(receiver.requests) >= 5, timeout=30)

        # When the database goes away for a few seconds while requests keep coming
        outage.set()
        own_postgres.stop("fast")
        time.sleep(OUTAGE)
        own_postgres.start()
        outage.clear()
        after = len(sent)
        # Then the service recovers: messages answered 200 again, the worker still alive
        wait_until(lambda: sum(s.status == 200 for s in sent[after:]) >= 10, timeout=30)
        stop.set()
        for thread in threads:
            thread.join(20)
        for name, process in (("worker", worker), ("beat", beat), ("web", web)):
            assert process.poll() is None, f"{name} exited: " + (
                tmp_path / f"{name}.log").read_text()[-3000:]

        answered = {s.message for s in sent if s.status == 200}

        def delivered():
            return {json.loads(r.body)["data"]["message"] for r in receiver.requests}

        wait_until(lambda: answered <= delivered(), timeout=60)
    finally:
        stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(20)
        for process in (web, worker, beat):
            _stop(process)

    # every answer meanwhile was a 200 or a 503 in the error envelope: no 500, no HTML
    statuses = {s.status for s in sent}
    assert statuses <= {200, 503}, [s for s in sent if s.status not in (200, 503)][:3]
    unavailable = [s for s in sent if s.status == 503]
    assert unavailable, "no request met the outage"
    assert all(s.during_outage or s.status == 200 for s in sent[:3])  # up before the outage
    for answer in unavailable:
        assert answer.content_type.startswith("application/json"), answer.body[:300]
        assert json.loads(answer.body)["error"]["code"] == "service_unavailable"
        assert answer.retry_after == "5"
    # every answered message reached the receiver; a duplicate carries the same webhook-id
    ids: dict[str, set[str]] = {}
    for request in receiver.requests:
        assert json.loads(request.body)["event"] == "message.sent"
        ids.setdefault(json.loads(request.body)["data"]["message"], set()).add(
            request.headers["webhook-id"])
    assert answered <= set(ids)
    assert all(len(webhook_ids) == 1 for webhook_ids in ids.values())
    assert len({i for group in ids.values() for i in group}) == len(ids)

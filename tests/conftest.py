"""Fixtures shared by the whole suite."""
import contextlib

import pytest
from celery.contrib.testing.worker import start_worker
from rest_framework.test import APIClient

from metachat.celery import app as celery_app
from tests.factories import ApiKeyFactory, MembershipFactory, UserFactory, WorkspaceFactory


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Globex")


@pytest.fixture
def make_api_client(db):
    """make_api_client(workspace, scopes=None): an APIClient sending `Authorization: Bearer`
    with a new key of that workspace (scopes=None: every scope). The key is `client.api_key`."""

    def make(workspace, scopes=None) -> APIClient:
        from apikeys.scopes import SCOPES

        api_key = ApiKeyFactory(
            workspace=workspace, scopes=list(SCOPES) if scopes is None else list(scopes)
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.secret}")
        client.api_key = api_key
        return client

    return make


@pytest.fixture
def api_client(make_api_client, workspace):
    """An APIClient with an all-scopes key of `workspace`."""
    return make_api_client(workspace)


@pytest.fixture
def operator(workspace):
    """A staff user who owns `workspace` and nothing else."""
    return MembershipFactory(workspace=workspace, user=UserFactory(username="alice")).user


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker in this process, consuming from the configured broker.

    Tests that use it see only committed data, hence the transactional database.
    """
    _purge_queues()
    with start_worker(
        celery_app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=10,
        queues=["celery", "deliveries"],
    ) as worker:
        yield worker


def _purge_queues():
    """Drop wake-ups left in the broker by earlier tests (their rows are gone)."""
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in ("celery", "deliveries"):
            # a queue that was never declared has nothing in it
            with contextlib.suppress(Exception):
                channel.queue_purge(queue)


@pytest.fixture
def connections_seen():
    """Every socket.connect this test makes, seen through Python's audit hooks; a connect to
    anything but loopback fails the test before it leaves the machine."""
    from tests import netguard

    with netguard.recording() as seen:
        yield seen


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 that records requests and answers as scripted."""
    from tests.receivers import Receiver

    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def make_receiver():
    from tests.receivers import Receiver

    servers = []

    def make(**kwargs):
        servers.append(Receiver(**kwargs).start())
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def beat(celery_worker):
    """Stands in for celery beat: sends the delivery sweeper through the broker every 0.2 s."""
    import threading

    from integrations.tasks import sweep_deliveries

    stop = threading.Event()

    def run():
        while not stop.wait(0.2):
            sweep_deliveries.apply_async(expires=1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(5)


@pytest.fixture
def published():
    """The tasks sent to the broker while the test runs, as (name, args)."""
    from celery.signals import before_task_publish

    sent = []

    def record(sender=None, body=None, **kwargs):
        sent.append((sender, list(body[0])))

    before_task_publish.connect(record)
    yield sent
    before_task_publish.disconnect(record)


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own on a free port, with an empty `metachat`
    database (`.stop()` / `.start()` for an outage); removed afterwards."""
    from tests.services import PostgresServer

    reason = PostgresServer.unavailable_reason()
    if reason:
        pytest.skip(f"no PostgreSQL cluster of the test's own: {reason}")
    server = PostgresServer()
    try:
        server.create()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def own_redis():
    """A redis-server of this test's own on a free port (stop it with `.stop()`)."""
    from tests.services import RedisServer

    if not RedisServer.available:
        pytest.skip("redis-server is not installed on this machine")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def chromium():
    """Debian's Chromium, headless, with background networking off (skipped without it,
    unless CI=true makes that a failure)."""
    from tests.widget.browser import quit_chromium, require_browser, start_chromium

    require_browser()
    driver = start_chromium()
    yield driver
    quit_chromium(driver)

"""A receiver cannot break a batch or hold a worker: a cut-off answer is a failed attempt,
a trickling answer is cut at the timeout."""
import socket
import threading
import time

import pytest

from integrations.webhooks.transport import webhook_post


@pytest.fixture
def raw_server():
    """serve(handler): a one-connection-at-a-time TCP server on 127.0.0.1 whose handler
    writes whatever bytes it likes; returns its URL."""
    servers = []

    def serve(handler):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        servers.append(sock)

        def loop():
            while True:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(65536)  # the request
                    handler(conn)

        threading.Thread(target=loop, daemon=True).start()
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hook"

    yield serve
    for sock in servers:
        sock.close()


def _post(url):
    return webhook_post(url=url, payload={"id": "evt_1", "event": "user.started", "data": {}},
                        message_id="evt_1", signing_secrets=[])


def test_an_answer_cut_off_mid_body_is_a_failed_attempt_not_an_error(settings, raw_server):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    url = raw_server(lambda conn: conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"))

    result = _post(url)

    assert not result.ok and result.error.startswith("request failed")


def test_a_trickling_answer_is_cut_at_the_timeout(settings, raw_server):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    settings.WEBHOOK_TIMEOUT = 1

    def trickle(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")
        for _ in range(50):  # one byte every 0.2 s: 10 s in all, each read well in time
            try:
                conn.sendall(b"x")
            except OSError:
                return
            time.sleep(0.2)

    started = time.monotonic()
    result = _post(raw_server(trickle))

    assert time.monotonic() - started < 3
    assert result.ok and result.status == 200 and 0 < len(result.body) < 50

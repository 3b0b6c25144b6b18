"""gunicorn's own refusals (414, 431, 400) come in the API's error envelope: a real gunicorn
process with the project's config, on a free loopback port."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gunicorn_port():
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "metachat.settings", "DEBUG": "false",
           "METACHAT_VAR_DIR": "/tmp/metachat-test-var"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "metachat.wsgi", "-c", "python:metachat.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None:
                pytest.fail("gunicorn exited at start")
            time.sleep(0.05)
        yield port
    finally:
        process.kill()
        process.wait(10)


def _raw(port: int, request: bytes) -> tuple[int, dict, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def test_a_request_line_too_long_is_a_414_in_the_envelope(gunicorn_port):
    secret_query = "api_token=" + "x" * 9000
    status, headers, body = _raw(
        gunicorn_port, f"GET /v1/me?{secret_query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())

    assert status == 414
    assert headers["Content-Type"] == "application/json"
    assert body["error"]["code"] == "uri_too_long" and body["error"]["fields"] == {}
    assert "xxxx" not in json.dumps(body)


def test_headers_too_large_are_a_431_in_the_envelope(gunicorn_port):
    headers = "".join(f"X-Filler-{i}: {'y' * 100}\r\n" for i in range(200))
    status, _, body = _raw(
        gunicorn_port, f"GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())

    assert status == 431
    assert body["error"]["code"] == "headers_too_large"


def test_a_malformed_request_line_is_a_400_in_the_envelope(gunicorn_port):
    status, _, body = _raw(gunicorn_port, b"GET\x01 / HTTP/1.1\r\nHost: x\r\n\r\n")

    assert status == 400
    assert body["error"]["code"] == "malformed_request"

"""A webhook receiver for the benchmarks, in a process of its own (so it never shares a GIL
with what it measures): answers every POST 200 at once (paths under /hang/ after
HANG_SECONDS), records when each `webhook-id` (or `x-bench-id`) first arrived, and tells on
`GET /arrivals` (`?key=K` for one, `?clear=1` forgets them).

    python bench/receiver.py PORT [HANG_SECONDS]
"""
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

arrived: dict[str, float] = {}
lock = threading.Lock()
HANG = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real receivers
    wbufsize = 65536  # the answer leaves in one segment (flushed after each request)

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        key = self.headers.get("webhook-id") or self.headers.get("x-bench-id")
        now = time.time()
        if self.path.startswith("/hang/"):
            time.sleep(HANG)
        else:
            with lock:
                arrived.setdefault(f"{self.path}|{key}", now)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):  # noqa: N802
        query = parse_qs(urlsplit(self.path).query)
        with lock:
            if "key" in query:  # one arrival: cheap enough to poll every few milliseconds
                body = json.dumps({k: arrived[k] for k in query["key"] if k in arrived}).encode()
            else:
                body = json.dumps(arrived).encode()
            if "clear=1" in self.path:
                arrived.clear()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()

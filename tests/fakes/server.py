"""A small threaded HTTP(S) server on 127.0.0.1 for standing in for third-party APIs.

Subclasses route requests with `route(method, path_regex)` handlers that receive a
`Request` and return `(status, body, headers)`. Every request is recorded.
"""
import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    match: re.Match | None = None

    @property
    def json(self):
        return json.loads(self.body or b"null")

    @property
    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: object


@dataclass
class FakeApi:
    """Base of the stand-ins: start/stop, routing, a log of requests received."""

    ssl_context: ssl.SSLContext | None = None
    requests: list = field(default_factory=list)

    def __post_init__(self):
        self._routes: list[Route] = []
        self._lock = threading.Lock()
        # While set, requests hang (until stop()) so a client's timeout can be seen to work.
        self.hang = False
        self._released = threading.Event()
        self.setup_routes()

    def setup_routes(self):
        raise NotImplementedError

    def route(self, method: str, pattern: str, handler):
        self._routes.append(Route(method, re.compile(f"^{pattern}$"), handler))

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command, path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()}, body=body,
                )
                status, payload, headers = fake.dispatch(request)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if self.ssl_context is not None:
            self.httpd.socket = self.ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self._released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        host, port = self.httpd.server_address[:2]
        return f"{scheme}://{host}:{port}"

    # --- dispatch ------------------------------------------------------------------------------
    def dispatch(self, request: Request):
        with self._lock:
            self.requests.append(request)
        if self.hang:
            self._released.wait(timeout=30)
        for route in self._routes:
            match = route.pattern.match(request.path)
            if match and route.method == request.method:
                request.match = match
                with self._lock:
                    return route.handler(request)
        return 404, {"message": f"no route {request.method} {request.path}"}, {}

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

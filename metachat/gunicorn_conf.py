"""gunicorn settings (`gunicorn -c python:metachat.gunicorn_conf`): its own error answers
(414 URI too long, 431 headers too large, 400 malformed request) in the API's envelope.

gunicorn answers these before Django sees the request, with an HTML page; clients of the
API parse `{"error": {"code", "message", "fields"}}` whatever the status.
"""
import json

from gunicorn import util

CODES = {
    400: ("malformed_request", "The HTTP request is malformed."),
    403: ("forbidden", "The request is forbidden."),
    414: ("uri_too_long", "The request line (URL and query) is longer than the server accepts."),
    417: ("expectation_failed", "The Expect header cannot be met."),
    431: ("headers_too_large", "The request headers are larger than the server accepts."),
    500: ("server_error", "The server failed to handle the request."),
    501: ("not_implemented", "The request's transfer coding is not supported."),
}


def write_error(sock, status_int, reason, mesg):
    # gunicorn's message can quote the request line: it may hold secrets, so it is not echoed.
    code, message = CODES.get(status_int, ("http_error", f"{reason}."))
    body = json.dumps({"error": {"code": code, "message": message, "fields": {}}}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_error  # the workers call util.write_error at answer time

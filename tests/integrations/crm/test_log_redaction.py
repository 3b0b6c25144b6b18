"""Debug logging never prints a secret: the root handlers mask known secret shapes, here
seen through urllib3's own debug lines for a real Pipedrive call (token in the query)."""
import io
import logging

import pytest

from metachat.logredact import redact

SAMPLES = [
    ("GET /v1/users/me?api_token=9f8e7d6c5b4a39281706f5e4d3c2b1a0 HTTP/1.1", "9f8e7d6c5b"),
    ("POST /token body grant_type=client_credentials&client_secret=sf-secret-value&x=1",
     "sf-secret-value"),
    ("headers {'Authorization': 'Bearer pat-na1-11112222-3333-4444'}", "11112222"),
    ("Authorization: Bearer 00DFAKE!token1234567890abcdef", "token1234567890"),
    ("key mc_live_ABCDEFGHIJKL" + "s" * 43 + "abcdef was used", "s" * 43),
    ("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw rotated", "MfKQ9r8GKY"),
    ('{"client_secret": "abc123secretvalue", "client_id": "public"}', "abc123secretvalue"),
    ("Authorization: Basic YWdlbnRAZXhhbXBsZS5jb20vdG9rZW46c2VjcmV0", "YWdlbnRAZXhhbXBs"),
]


@pytest.mark.parametrize(("line", "secret"), SAMPLES)
def test_known_secret_shapes_are_masked(line, secret):
    cleaned = redact(line)

    assert secret not in cleaned
    assert "[REDACTED]" in cleaned


@pytest.fixture
def root_output():
    """What the root handlers configured by the settings write (their stream, swapped)."""
    from metachat.logredact import RedactSecrets

    [handler] = [h for h in logging.getLogger().handlers
                 if any(isinstance(f, RedactSecrets) for f in h.filters)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_ordinary_lines_are_left_alone():
    line = "delivery dlv_123 to https://example.com/hooks succeeded in 12 ms (client_id=public)"
    assert redact(line) == line


def test_urllib3_debug_lines_of_a_pipedrive_call_do_not_show_the_token(
    pipedrive, pipedrive_connection, root_output
):
    from integrations.crm.services import crm_records_push
    from tests.integrations.crm.payloads import ended

    urllib3_logger = logging.getLogger("urllib3")
    level = urllib3_logger.level
    urllib3_logger.setLevel(logging.DEBUG)  # what LOG_LEVEL=DEBUG does
    try:
        crm_records_push(connection=pipedrive_connection, payloads=[ended()])
    finally:
        urllib3_logger.setLevel(level)

    written = root_output.getvalue()
    assert "urllib3.connectionpool" in written and "api_token=[REDACTED]" in written
    assert pipedrive.api_token not in written


def test_a_traceback_is_masked_too(root_output):
    try:
        raise RuntimeError("login failed for client_secret=very-secret-value")
    except RuntimeError:
        logging.getLogger("metachat.test").exception("push failed")

    written = root_output.getvalue()
    assert "push failed" in written and "very-secret-value" not in written

"""A bounded schemathesis run over /v1/schema/: every operation, generated inputs, no 5xx,
and every response (the envelope, errors included) as the schema describes it.

Runs in-process through Django's test client (inside the test's transaction) with a key of
every scope. No name resolves to
anything but 127.0.0.1 and loopback targets are refused, so generated webhook and CRM
addresses never leave the machine (every connect is watched by `connections_seen`).
"""
import json
import socket
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core import NotSet
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import ApiKeyFactory, WorkspaceFactory

MAX_EXAMPLES = 4  # per operation: bounded, so the suite stays fast


@pytest.fixture
def offline_dns(monkeypatch, settings):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        return real("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    settings.WEBHOOK_ALLOW_LOOPBACK = False  # so nothing generated is ever connected to


@pytest.fixture
def api_schema(db, client):
    from apikeys.scopes import SCOPES

    workspace = WorkspaceFactory(name="Fuzz")
    key = ApiKeyFactory(workspace=workspace, scopes=list(SCOPES), rate_limit="100000/min")
    document = client.get("/v1/schema/?format=json", HTTP_AUTHORIZATION=f"Bearer {key.secret}")
    assert document.status_code == 200
    return schemathesis.openapi.from_dict(document.json()), key.secret


def _send(client, case, secret):
    query = urlencode(case.query or {}, doseq=True)
    path = case.formatted_path + (f"?{query}" if query else "")
    headers = {f"HTTP_{k.upper().replace('-', '_')}": str(v)
               for k, v in (case.headers or {}).items() if k.lower() != "content-type"}
    headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    if case.body is None or isinstance(case.body, NotSet):
        return client.generic(case.method, path, **headers)
    if case.media_type and "json" not in case.media_type:
        return None  # multipart uploads: covered by the documents tests
    return client.generic(case.method, path, json.dumps(case.body),
                          content_type="application/json", **headers)


def _as_schemathesis_response(case, response) -> Response:
    request = requests.Request(case.method, f"http://testserver{case.formatted_path}").prepare()
    return Response(status_code=response.status_code,
                    headers={name: [value] for name, value in response.headers.items()},
                    content=response.content, request=request, elapsed=0.0, verify=True)


def _breaks_the_schema(case, response) -> str | None:
    try:
        case.validate_response(_as_schemathesis_response(case, response),
                               checks=[response_schema_conformance])
    except BaseException as failure:  # noqa: BLE001 (schemathesis raises an ExceptionGroup)
        if isinstance(failure, KeyboardInterrupt):
            raise
        return str(failure)[:800]
    return None


def test_no_operation_answers_a_server_error(api_schema, client, offline_dns, connections_seen):
    schema, secret = api_schema
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            response = _send(client, case, secret)
            if response is None:
                return
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
            broken = _breaks_the_schema(case, response)
            if broken:
                failures.append(f"{case.method} {case.formatted_path} "
                                f"{response.status_code}: {broken}")

        check()

    assert operations > 20
    assert failures == []
    assert [a for a in connections_seen if a[0] not in ("127.0.0.1", "::1")] == []

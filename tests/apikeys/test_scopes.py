"""Scopes: each view declares what it needs; a key without it gets 403 insufficient_scope."""
import pytest

from apikeys.scopes import SCOPES

pytestmark = pytest.mark.urls("tests.apikeys.scoped_urls")


def assert_insufficient(response, scope: str):
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "insufficient_scope"
    assert scope in error["message"]


def test_per_action_scopes_are_enforced(make_api_client, workspace):
    reader = make_api_client(workspace, scopes=["conversations:read"])

    assert reader.get("/v1/test-scoped").status_code == 200
    assert_insufficient(reader.post("/v1/test-scoped/archive"), "conversations:write")


def test_a_key_with_the_scope_gets_through(make_api_client, workspace):
    writer = make_api_client(workspace, scopes=["conversations:write"])

    response = writer.post("/v1/test-scoped/archive")

    assert response.status_code == 200
    assert response.json()["data"] == {"archived": True}
    assert_insufficient(writer.get("/v1/test-scoped"), "conversations:read")


def test_a_whole_view_scope_is_enforced(make_api_client, workspace):
    reader = make_api_client(workspace, scopes=["reports:read"])
    assert reader.get("/v1/test-report").status_code == 200
    assert_insufficient(
        make_api_client(workspace, scopes=["chat:write"]).get("/v1/test-report"), "reports:read"
    )


def test_the_missing_scope_is_named_in_the_challenge(make_api_client, workspace):
    response = make_api_client(workspace, scopes=[]).get("/v1/test-report")

    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="reports:read"'


@pytest.mark.parametrize("url,method", [("/v1/test-undeclared", "get"),
                                        ("/v1/test-scoped/forget", "post")])
def test_an_endpoint_that_declares_no_scope_is_refused_even_to_an_all_scopes_key(
    api_client, url, method
):
    response = getattr(api_client, method)(url)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert "leaked" not in response.content.decode()


def test_the_scope_list_is_the_documented_one():
    assert set(SCOPES) == {
        "chat:write", "conversations:read", "conversations:write", "documents:read",
        "documents:write", "webhooks:read", "webhooks:write", "integrations:read",
        "integrations:write", "reports:read", "keys:write",
    }

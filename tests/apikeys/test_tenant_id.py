"""Any tenantId in a request must be the key's workspace: else 403 tenant_mismatch."""
import pytest

pytestmark = pytest.mark.urls("tests.apikeys.scoped_urls")

URL = "/v1/test-report"


def assert_mismatch(response):
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "tenant_mismatch"


def test_the_keys_own_workspace_id_is_accepted(api_client, workspace):
    body = {"tenantId": workspace.public_id, "message": "hi"}

    assert api_client.get(URL, {"tenantId": workspace.public_id}).status_code == 200
    assert api_client.post(URL, body).status_code == 200


def test_another_workspace_in_the_query_is_refused(api_client, other_workspace):
    assert_mismatch(api_client.get(URL, {"tenantId": other_workspace.public_id}))


def test_another_workspace_in_the_body_is_refused(api_client, other_workspace):
    assert_mismatch(api_client.post(URL, {"tenantId": other_workspace.public_id, "message": "hi"}))


def test_a_nested_tenant_id_is_checked_too(api_client, workspace, other_workspace):
    body = {"items": [{"tenantId": workspace.public_id}, {"tenantId": other_workspace.public_id}]}

    assert_mismatch(api_client.post(URL, body))


@pytest.mark.parametrize("value", ["", None, 42, "ws_unknown"])
def test_any_other_value_is_refused(api_client, value):
    assert_mismatch(api_client.post(URL, {"tenantId": value}))


def test_a_form_body_is_checked(api_client, other_workspace):
    body = {"tenantId": other_workspace.public_id}

    assert_mismatch(api_client.post(URL, body, format="multipart"))


def test_a_repeated_query_parameter_is_checked_in_full(api_client, workspace, other_workspace):
    url = f"{URL}?tenantId={workspace.public_id}&tenantId={other_workspace.public_id}"

    assert_mismatch(api_client.get(url))


def test_a_deeply_nested_tenant_id_is_found(api_client, other_workspace):
    body = {"tenantId": other_workspace.public_id}
    for _ in range(200):
        body = {"wrapper": [body]}

    assert_mismatch(api_client.post(URL, body))

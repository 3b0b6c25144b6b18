"""The envelope, pagination, camelCase and the one error format, end to end over HTTP."""
import pytest

from tests.factories import MembershipFactory

pytestmark = pytest.mark.urls("tests.metachat.api_urls")

URL = "/v1/test-memberships"


@pytest.fixture
def api(client, workspace):
    client.defaults["HTTP_AUTHORIZATION"] = f"Test {workspace.public_id}"
    return client


@pytest.fixture
def memberships(workspace):
    return MembershipFactory.create_batch(12, workspace=workspace)


def test_lists_are_paginated_with_limit_and_offset(api, memberships):
    body = api.get(URL, {"limit": 5, "offset": 10}).json()

    assert body["pagination"] == {"limit": 5, "offset": 10, "total": 12}
    assert [item["id"] for item in body["data"]] == [m.pk for m in memberships[10:]]


def test_default_page_is_ten_and_limit_is_capped(api, memberships):
    assert len(api.get(URL).json()["data"]) == 10
    assert api.get(URL, {"limit": 5000}).json()["pagination"]["limit"] == 100


@pytest.mark.parametrize("query", [{"limit": "ten"}, {"limit": 0}, {"offset": -1}])
def test_bad_pagination_is_a_clear_400(api, memberships, query):
    response = api.get(URL, query)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == list(query)


def test_single_objects_are_enveloped_with_camel_case_fields(api, memberships):
    body = api.get(f"{URL}/{memberships[0].pk}").json()

    assert set(body) == {"data"}
    assert set(body["data"]) == {"id", "userName", "role", "createdAt"}


def test_lists_never_include_another_workspaces_rows(api, memberships, other_workspace):
    theirs = MembershipFactory(workspace=other_workspace)

    ids = {item["id"] for item in api.get(URL, {"limit": 100}).json()["data"]}
    response = api.get(f"{URL}/{theirs.pk}")

    assert theirs.pk not in ids
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_api_path_is_a_404_in_the_error_format(api):
    response = api.get("/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "No endpoint at /v1/no-such-thing.", "fields": {}}
    }


def test_wrong_method_is_a_405_in_the_error_format(api, memberships):
    response = api.delete(f"{URL}/{memberships[0].pk}")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_validation_errors_name_fields_in_camel_case(api):
    response = api.post(URL, {"role": "emperor"}, content_type="application/json")

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"userName", "role"}


def test_malformed_json_is_a_400(api):
    response = api.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_missing_credentials_are_a_401_with_a_challenge(client):
    response = client.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Test"


def test_an_unexpected_failure_is_a_500_in_the_error_format(api, caplog):
    response = api.post(URL, {"userName": "x", "role": "admin"}, content_type="application/json")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "boom" not in response.content.decode()
    assert "unhandled error" in caplog.text


def test_schema_and_docs_are_served(client):
    schema = client.get("/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/v1/docs/")

    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_a_database_outage_is_a_503_in_the_envelope_not_a_500(api_client, db):
    from django.db import OperationalError, connection

    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        response = api_client.get("/v1/conversations")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"

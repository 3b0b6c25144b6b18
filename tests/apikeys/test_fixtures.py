"""The shared fixtures other tests build on: make_api_client, api_client, ApiKeyFactory."""
from apikeys.scopes import SCOPES


def test_api_client_has_every_scope_of_the_workspace(api_client, workspace):
    me = api_client.get("/v1/me").json()["data"]

    assert me["workspaceId"] == workspace.public_id
    assert me["scopes"] == list(SCOPES)
    assert api_client.api_key.workspace == workspace


def test_make_api_client_limits_scopes(make_api_client, other_workspace):
    client = make_api_client(other_workspace, scopes=["documents:read"])

    me = client.get("/v1/me").json()["data"]
    assert (me["workspaceId"], me["scopes"]) == (other_workspace.public_id, ["documents:read"])
    assert client.get("/v1/api-keys").status_code == 403


def test_json_is_the_default_request_format(api_client, workspace):
    response = api_client.post("/v1/api-keys", {"name": "n", "scopes": ["chat:write"]})

    assert response.status_code == 201

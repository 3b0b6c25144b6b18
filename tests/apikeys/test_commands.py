"""create_api_key prints the key alone on stdout, for scripts (make run) to capture."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from apikeys.models import ApiKey
from apikeys.scopes import SCOPES


def create_api_key(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_prints_only_a_working_key(workspace):
    out = create_api_key(workspace.public_id, "--name", "CI", "--scopes", "chat:write,reports:read")

    key = out.strip()
    assert out == key + "\n" and key.startswith("mc_live_")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    me = client.get("/v1/me").json()["data"]
    assert (me["workspaceId"], me["keyName"]) == (workspace.public_id, "CI")
    assert me["scopes"] == ["chat:write", "reports:read"]


def test_all_means_every_scope(workspace):
    create_api_key(workspace.public_id, "--name", "Demo key", "--scopes", "all")

    assert ApiKey.objects.get(workspace=workspace).scopes == list(SCOPES)


def test_replace_revokes_earlier_keys_of_that_name_only(workspace, other_workspace):
    first = create_api_key(workspace.public_id, "--name", "Demo key", "--scopes", "all").strip()
    other_name = create_api_key(workspace.public_id, "--name", "Other", "--scopes", "all").strip()
    elsewhere = create_api_key(other_workspace.public_id, "--name", "Demo key", "--scopes", "all")

    second = create_api_key(
        workspace.public_id, "--name", "Demo key", "--scopes", "all", "--replace"
    ).strip()

    def status(key):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.strip()}")
        response = client.get("/v1/me")
        return response.status_code, response.json().get("error", {}).get("code")

    assert status(first) == (401, "revoked_key")
    assert status(second)[0] == 200
    assert status(other_name)[0] == 200
    assert status(elsewhere)[0] == 200


def test_an_unknown_workspace_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No workspace"):
        create_api_key("ws_nope", "--name", "x", "--scopes", "all")
    assert not ApiKey.objects.exists()


def test_an_unknown_scope_is_a_clear_error(workspace):
    with pytest.raises(CommandError, match="Unknown scope.*admin:everything"):
        create_api_key(
            workspace.public_id, "--name", "x", "--scopes", "chat:write,admin:everything"
        )
    assert not ApiKey.objects.exists()


def test_create_api_key_makes_a_publishable_key(workspace):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_api_key", workspace.public_id, "--name", "Widget", "--publishable",
                 "--origins", "http://127.0.0.1:8000,http://localhost:8000", stdout=out)

    key = ApiKey.objects.get(workspace=workspace, name="Widget")
    assert out.getvalue().strip() == key.publishable_key
    assert key.allowed_origins == ["http://127.0.0.1:8000", "http://localhost:8000"]

"""Management commands print what scripts capture, and nothing else, on stdout."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from metachat.workspaces.models import Membership, Workspace
from tests.factories import UserFactory


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_workspace_prints_only_the_public_id(db):
    owner = UserFactory(username="olivia", is_staff=False)

    out, _ = run("create_workspace", "Initech", "--owner", "olivia")

    workspace = Workspace.objects.get(public_id=out.strip())
    assert out.strip().startswith("ws_") and "\n" not in out.strip()
    assert workspace.name == "Initech"
    assert Membership.objects.get(workspace=workspace).user == owner
    owner.refresh_from_db()
    assert owner.is_staff  # an owner can log into the admin


def test_create_workspace_refuses_an_unknown_owner_and_creates_nothing(db):
    with pytest.raises(CommandError, match="No user named"):
        run("create_workspace", "Initech", "--owner", "nobody")
    assert not Workspace.objects.exists()


def test_create_workspace_refuses_an_unknown_timezone(db):
    with pytest.raises(CommandError, match="not a known time zone"):
        run("create_workspace", "Initech", "--timezone", "Mars/Olympus")


def test_setup_demo_is_safe_to_run_again(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path

    first_id, first_err = run("setup_demo")
    second_id, second_err = run("setup_demo")

    assert first_id == second_id
    assert Workspace.objects.count() == 1
    assert first_err == second_err
    assert "Admin password:" in first_err

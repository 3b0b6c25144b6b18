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


def test_create_workspace_makes_a_missing_owner_an_operator_who_can_log_in(db, client):
    out, err = run("create_workspace", "Acme", "--owner", "alice")

    workspace = Workspace.objects.get(public_id=out.strip())
    membership = Membership.objects.get(workspace=workspace)
    assert membership.user.username == "alice" and membership.role == "owner"
    assert membership.user.is_staff and not membership.user.is_superuser
    password = err.split("with password ", 1)[1].split(" ", 1)[0]
    assert client.login(username="alice", password=password)
    assert client.get("/admin/").status_code == 200


def test_create_workspace_with_a_bad_owner_name_creates_nothing(db):
    with pytest.raises(CommandError, match="username"):
        run("create_workspace", "Initech", "--owner", "no spaces/allowed")
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


def test_the_readmes_create_workspace_line_runs_as_written(db):
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    line = next(line for line in readme.splitlines() if "manage.py create_workspace" in line)
    words = shlex.split(line, comments=True)
    assert words[:3] == [".venv/bin/python", "manage.py", "create_workspace"]

    out, err = run(*words[2:])

    workspace = Workspace.objects.get(public_id=out.strip())
    assert Membership.objects.get(workspace=workspace).user.username == words[-1]
    assert "with password" in err


def test_run_banner_prints_one_block_once_the_server_answers(live_server, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    (tmp_path / "demo_admin_password").write_text("s3cret-pass\n")
    port = live_server.url.rsplit(":", 1)[1]

    out, _ = run("run_banner", "--port", port, "--workspace", "ws_demo", "--key",
                 "mc_live_demo", "--widget-key", "mc_pub_demo")

    lines = out.strip().splitlines()
    assert lines[0] == "=" * 78 and lines[-1] == "=" * 78
    assert f"Meta Chat is running on http://127.0.0.1:{port}" in out
    assert "Admin password:  s3cret-pass" in out and "Admin user:      admin" in out
    assert f"curl -H 'Authorization: Bearer mc_live_demo' http://127.0.0.1:{port}/v1/me" in out
    assert "Chat widget:     " in out and "/widget/demo?key=mc_pub_demo" in out


def test_run_banner_prints_nothing_when_the_server_never_came(db, settings, tmp_path):
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()  # a pid that has ended: the server's process is gone
    settings.VAR_DIR = tmp_path

    out, _ = run("run_banner", "--port", "9", "--workspace", "ws_demo", "--key", "k",
                 "--widget-key", "w", "--parent-pid", str(child.pid))

    assert out == ""

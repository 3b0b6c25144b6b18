"""`manage.py run_banner …`: once the local server answers, print what `make run` made.

`make run` starts this in the background before the server: the block comes after the
processes' start-up lines, so it is the last thing on the screen.
"""
import os
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand

from metachat.workspaces.management.commands.setup_demo import ADMIN_USERNAME

WAIT_SECONDS = 120


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (http://127.0.0.1 only)
            return True
    except urllib.error.HTTPError:  # it answers, even if a dependency is unwell
        return True
    except OSError:
        return False


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def banner(*, base: str, workspace: str, key: str, widget_key: str, password: str | None) -> str:
    chat_body = '{"message": "How long is shipping?"}'
    lines = [
        "",
        "=" * 78,
        f"Meta Chat is running on {base}",
        "",
        f"  Admin:           {base}/admin/",
        f"  Admin user:      {ADMIN_USERNAME}",
        f"  Admin password:  {password}" if password
        else "  Admin password:  (set one with `.venv/bin/python manage.py changepassword admin`)",
        f"  API docs:        {base}/v1/docs/   (Redoc: {base}/v1/redoc/)",
        f"  Health:          {base}/healthz",
        f"  Demo workspace:  Demo Shop ({workspace})",
        f"  Demo API key:    {key}  (all scopes; a new one each run)",
        f"  Chat widget:     {base}/widget/demo?key={widget_key}  (a page embedding it)",
        "",
        "  Try:",
        f"    curl -H 'Authorization: Bearer {key}' {base}/v1/me",
        f"    curl -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\",
        f"         -d '{chat_body}' {base}/v1/chat",
        "",
        "  Workers log warnings only; LOG_LEVEL=info make run shows every sweep. Ctrl-C stops.",
        "=" * 78,
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Wait until the local server answers /healthz, then print the first-run summary."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--workspace", required=True, help="The demo workspace's ws_… id.")
        parser.add_argument("--key", required=True, help="The demo API key.")
        parser.add_argument("--widget-key", required=True, help="The demo publishable key.")
        parser.add_argument("--parent-pid", type=int,
                            help="Give up when this process (the server's) has ended.")

    def handle(self, *args, port, workspace, key, widget_key, parent_pid, **options):
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + WAIT_SECONDS
        while not _up(f"{base}/healthz"):
            if time.monotonic() > deadline or not _alive(parent_pid):
                return
            time.sleep(0.5)
        password_file = settings.VAR_DIR / "demo_admin_password"
        password = password_file.read_text().strip() if password_file.exists() else None
        self.stdout.write(banner(base=base, workspace=workspace, key=key,
                                 widget_key=widget_key, password=password))
        self.stdout.flush()

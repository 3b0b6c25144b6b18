"""`manage.py setup_demo`: the demo workspace and an admin user, created once.

Prints the demo workspace's public id alone on stdout (so `make run` can hand it to the
next step) and the admin credentials on stderr. Safe to run again: nothing is duplicated
and the password stays the one printed the first time.
"""
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from metachat.workspaces.models import Membership, Workspace
from metachat.workspaces.services import membership_set, workspace_create

DEMO_WORKSPACE_NAME = "Demo Shop"
ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "Create the demo workspace and an admin user if missing; print the workspace id."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true",
                            help="Print only the workspace id (make run shows the rest).")

    def handle(self, *args, quiet=False, **options):
        password_file = settings.VAR_DIR / "demo_admin_password"
        User = get_user_model()
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            password = secrets.token_urlsafe(12)
            admin = User.objects.create_superuser(
                ADMIN_USERNAME, email="admin@example.com", password=password
            )
            password_file.touch(mode=0o600)
            password_file.write_text(password)
        password = password_file.read_text().strip() if password_file.exists() else None

        workspace = Workspace.objects.filter(name=DEMO_WORKSPACE_NAME).order_by("pk").first()
        if workspace is None:
            workspace = workspace_create(name=DEMO_WORKSPACE_NAME)
        membership_set(workspace=workspace, user=admin, role=Membership.Role.OWNER)

        if quiet:
            self.stdout.write(workspace.public_id)
            return
        self.stderr.write(f"Admin user:      {ADMIN_USERNAME}")
        self.stderr.write(
            f"Admin password:  {password}" if password
            else "Admin password:  (unchanged; set one with `manage.py changepassword admin`)"
        )
        self.stderr.write(f"Demo workspace:  {workspace.name} ({workspace.public_id})")
        self.stdout.write(workspace.public_id)

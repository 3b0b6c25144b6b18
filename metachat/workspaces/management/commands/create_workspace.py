"""`manage.py create_workspace NAME [--owner USERNAME]`: prints the new public id alone."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from metachat.workspaces.services import operator_get_or_create, workspace_create


class Command(BaseCommand):
    help = "Create a workspace and print its public id (ws_…) on stdout."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--owner", help="Username of the owner; a staff user of that name is created "
            "(its password printed once on stderr) when there is none.",
        )
        parser.add_argument("--timezone", default="UTC", help="IANA time zone (default UTC).")

    def handle(self, *args, name, owner, timezone, **options):
        password = None
        try:
            with transaction.atomic():
                owner_user = None
                if owner:
                    owner_user, password = operator_get_or_create(username=owner)
                workspace = workspace_create(name=name, timezone=timezone, owner=owner_user)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if password is not None:
            self.stderr.write(
                f"Created operator {owner!r} with password {password} (shown once; change it "
                f"with `manage.py changepassword {owner}`)."
            )
        self.stdout.write(workspace.public_id)

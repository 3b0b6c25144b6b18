"""`manage.py create_workspace NAME [--owner USERNAME]`: prints the new public id alone."""
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from metachat.workspaces.services import workspace_create


class Command(BaseCommand):
    help = "Create a workspace and print its public id (ws_…) on stdout."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--owner", help="Username of an existing user to make owner.")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone (default UTC).")

    def handle(self, *args, name, owner, timezone, **options):
        owner_user = None
        if owner:
            try:
                owner_user = get_user_model().objects.get(username=owner)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user named {owner!r}.") from None
        try:
            workspace = workspace_create(name=name, timezone=timezone, owner=owner_user)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(workspace.public_id)

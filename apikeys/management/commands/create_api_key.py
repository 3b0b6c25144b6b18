"""`manage.py create_api_key ws_… --name NAME --scopes a,b|all [--replace]`: prints the key.

`--publishable --origins https://shop.example.com,…` makes a chat-widget key instead."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apikeys.scopes import SCOPES, parse_scopes
from apikeys.services import api_key_create
from metachat.workspaces.models import Workspace


class Command(BaseCommand):
    help = "Create an API key and print it, alone, on stdout (it is not shown anywhere else)."

    def add_arguments(self, parser):
        parser.add_argument("workspace", help="The workspace's public id (ws_…).")
        parser.add_argument("--name", required=True, help="What the key is for.")
        parser.add_argument(
            "--scopes", default="",
            help=f"Comma-separated scopes, or 'all'. Known: {', '.join(SCOPES)}.",
        )
        parser.add_argument(
            "--publishable", action="store_true",
            help="A publishable key for the chat widget (no scopes; needs --origins).",
        )
        parser.add_argument(
            "--origins", default="",
            help="Publishable keys: comma-separated allowed origins (https://shop.example.com).",
        )
        parser.add_argument(
            "--replace", action="store_true",
            help="Revoke the workspace's earlier keys of this name first.",
        )

    def handle(self, *args, workspace, name, scopes, replace, publishable, origins, **options):
        ws = Workspace.objects.filter(public_id=workspace).first()
        if ws is None:
            raise CommandError(f"No workspace with id {workspace!r}.")
        if not publishable and not scopes:
            raise CommandError("Give --scopes (or --publishable with --origins).")
        try:
            scope_list = parse_scopes(scopes) if scopes else []
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            _, plaintext = api_key_create(
                workspace=ws, name=name, scopes=scope_list, replace=replace,
                kind="publishable" if publishable else "secret",
                allowed_origins=[o for o in origins.split(",") if o.strip()],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(plaintext)

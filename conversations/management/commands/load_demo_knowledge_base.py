"""`manage.py load_demo_knowledge_base ws_…`: the demo shop's FAQ, loaded once."""
from django.core.management.base import BaseCommand, CommandError

from conversations.services import demo_knowledge_base_load
from metachat.workspaces.models import Workspace


class Command(BaseCommand):
    help = "Load the demo shop's FAQ (shipping, returns, payment, account) into a workspace."

    def add_arguments(self, parser):
        parser.add_argument("workspace_id", help="The workspace's public id (ws_…).")

    def handle(self, *args, workspace_id, **options):
        workspace = Workspace.objects.filter(public_id=workspace_id).first()
        if workspace is None:
            raise CommandError(f"No workspace with id {workspace_id!r}.")
        counts = demo_knowledge_base_load(workspace=workspace)
        if options["verbosity"] < 1:
            return
        self.stderr.write(
            "Demo knowledge base: {created} added, {updated} updated, {unchanged} unchanged"
            .format(**counts)
        )

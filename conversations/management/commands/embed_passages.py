"""`manage.py embed_passages [ws_…]`: queue the sentence-model vectors of every document
whose passages lack them (documents saved before the model was installed)."""
from django.core.management.base import BaseCommand

from conversations.models import Document
from conversations.tasks import embed_document_passages


class Command(BaseCommand):
    help = "Queue the computing of passages' vectors for documents that lack them."

    def add_arguments(self, parser):
        parser.add_argument("workspace", nargs="?", help="A workspace's public id (ws_…).")

    def handle(self, *args, workspace=None, **options):
        documents = Document.objects.filter(passages__embedding=None).distinct()
        if workspace:
            documents = documents.filter(workspace__public_id=workspace)
        count = 0
        for document_id in documents.values_list("pk", flat=True):
            embed_document_passages.delay(document_id)
            count += 1
        self.stdout.write(f"queued {count} documents")

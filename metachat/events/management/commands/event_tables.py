"""`manage.py event_tables`: prints the README's event tables, rendered from the catalogue."""
from django.core.management.base import BaseCommand

from metachat.events.readme import event_tables


class Command(BaseCommand):
    help = (
        "Print the README's two event tables (product events, then operational events) "
        "from the event catalogue; paste them over the tables under README's 'Events'."
    )

    def handle(self, *args, **options):
        self.stdout.write("\n\n".join(event_tables()))

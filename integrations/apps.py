from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        # Destination kinds register themselves with the delivery pipeline on import.
        from integrations.webhooks import destination  # noqa: F401

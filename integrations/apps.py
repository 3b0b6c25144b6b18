from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        # Destination kinds register themselves with the delivery pipeline on import.
        from integrations import metrics
        from integrations.webhooks import destination  # noqa: F401
        from metachat import health

        health.REPORTS["deliveries"] = metrics.delivery_backlog

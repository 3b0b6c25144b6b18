from django.apps import AppConfig


class ZapierConfig(AppConfig):
    name = "integrations.zapier"
    label = "zapier"
    verbose_name = "Zapier"

    def ready(self):
        # The "zapier" destination kind registers itself with the delivery pipeline on import.
        from integrations.zapier import destination  # noqa: F401

from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "integrations.crm"
    label = "crm"
    verbose_name = "CRM integrations"

    def ready(self):
        # The "crm" destination kind registers itself with the delivery pipeline on import.
        from integrations.crm import destination  # noqa: F401

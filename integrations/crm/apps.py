from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "integrations.crm"
    label = "crm"
    verbose_name = "CRM integrations"

    def ready(self):
        # The "crm" destination kind plugs into the delivery pipeline when it is present.
        from integrations.crm import destination

        destination.register_with_pipeline()

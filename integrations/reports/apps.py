from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "integrations.reports"
    label = "reports"
    verbose_name = "Reports"

"""The workspaces app (tenants); it also registers the project's system checks."""
from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "metachat.workspaces"
    label = "workspaces"

    def ready(self):
        from metachat import checks  # noqa: F401 - registers the deployment checks

from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "metachat.workspaces"
    label = "workspaces"

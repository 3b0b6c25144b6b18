"""The project's admin configuration: Django's admin on Meta Chat's site."""
from django.contrib.admin.apps import AdminConfig


class MetaChatAdminConfig(AdminConfig):
    default_site = "metachat.admin_site.MetaChatAdminSite"

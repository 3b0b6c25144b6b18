"""The admin site: Meta Chat's titles, and its sections in the order operators use them —
the integrations together first (the Integrations section opens the dashboard), then the
conversations and documents they serve, then settings, workspaces and the plumbing."""
from django.contrib import admin

SECTION_ORDER = (
    "integrations", "crm", "zapier", "reports",
    "conversations", "apikeys", "workspaces", "events",
    "django_celery_beat", "auth",
)


class MetaChatAdminSite(admin.AdminSite):
    site_header = "Meta Chat"
    site_title = "Meta Chat admin"
    index_title = "Workspaces and integrations"
    # "View site" opens the API docs: the product has no public site of its own.
    site_url = "/v1/docs/"
    index_template = "admin/integrations/admin_index.html"

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: i for i, label in enumerate(SECTION_ORDER)}
        return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))

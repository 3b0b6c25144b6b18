"""Events in the admin: read-only, scoped to the operator's workspaces."""
from django.contrib import admin

from metachat.events.models import Event
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin


@admin.register(Event)
class EventAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    list_display = ("public_id", "type", "workspace", "created_at", "dispatched_at")
    list_filter = ("type",)
    search_fields = ("public_id",)
    date_hierarchy = "created_at"
    readonly_fields = ("public_id", "workspace", "type", "payload", "created_at", "dispatched_at")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

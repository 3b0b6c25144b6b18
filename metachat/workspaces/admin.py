"""Admin for workspaces and their members."""
from django.contrib import admin
from django.contrib.auth import get_user_model

from metachat.workspaces.models import Membership, Workspace
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin, member_workspace_ids


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ()
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "public_id", "timezone", "created_at")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id", "created_at")
    inlines = [MembershipInline]

    def has_add_permission(self, request, *args):
        # Creating a tenant is a platform decision (superusers or `create_workspace`).
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "workspace", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "workspace__name")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Operators pick among people who already share one of their workspaces;
            # the user list of other tenants stays hidden.
            kwargs["queryset"] = get_user_model().objects.filter(
                memberships__workspace__in=member_workspace_ids(request)
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

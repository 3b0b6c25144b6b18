"""Admin for workspaces and their members."""
from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from metachat.workspaces.models import Membership, Workspace
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin, member_workspace_ids
from metachat.workspaces.services import (
    WORKSPACE_SETTINGS,
    membership_set,
    workspace_create,
    workspace_identity_secret_rotate,
    workspace_update,
)


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


def _membership_save(obj: Membership) -> Membership:
    """Through the service, which also lets the member into the admin (staff)."""
    membership = membership_set(workspace=obj.workspace, user=obj.user, role=obj.role)
    obj.pk, obj.created_at, obj._state.adding = membership.pk, membership.created_at, False
    return membership


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "public_id", "timezone", "created_at")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id", "created_at", "identity_secret_status")
    inlines = [MembershipInline]
    actions = ["rotate_identity_secret"]
    fieldsets = (
        (None, {"fields": ("name", "public_id", "timezone", "created_at")}),
        ("Chatbot", {"fields": ("escalation_threshold", "idle_timeout_minutes")}),
        ("Chat widget", {
            "fields": ("widget_name", "widget_greeting", "widget_colour",
                       "identity_secret_status", "identity_verification_required"),
            "description": "What visitors see in the chat widget, and whether the user ids "
            "your pages pass must be signed (data-user-hash) with the identity secret.",
        }),
    )

    @admin.display(description="Identity secret")
    def identity_secret_status(self, obj):
        if obj is None or not obj.identity_secret:
            return "Not set. Use the action “Generate a new identity secret” on the list."
        return "Set (hidden; generate a new one to replace it)."

    @admin.action(description="Generate a new identity secret (shown once; old hashes stop "
                  "verifying)", permissions=["change"])
    def rotate_identity_secret(self, request, queryset):
        for workspace in self.changeable(request, queryset):
            secret = workspace_identity_secret_rotate(workspace=workspace)
            self.message_user(
                request, f"New identity secret of “{workspace.name}”: {secret} — copy it to "
                "your server now: it is shown only this once. Sign each user id with "
                "HMAC-SHA256 under it and pass the hex digest as data-user-hash.",
                messages.SUCCESS,
            )

    def save_model(self, request, obj, form, change):
        settings = {name: getattr(obj, name) for name in WORKSPACE_SETTINGS
                    if name in form.cleaned_data}
        if not change:  # superusers only
            created = workspace_create(name=obj.name, timezone=obj.timezone)
            obj.pk, obj.public_id = created.pk, created.public_id
            obj.created_at, obj._state.adding = created.created_at, False
        workspace_update(workspace=obj, **settings)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        for membership in formset.save(commit=False):
            _membership_save(membership)
        for membership in formset.deleted_objects:
            membership.delete()
        return None

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

    def get_readonly_fields(self, request, obj=None):
        # A membership is one person in one workspace: only the role changes.
        return ("workspace", "user") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.workspace_id = self.workspace_to_create_in(request, obj.workspace_id)
        _membership_save(obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Operators pick among people who already share one of their workspaces;
            # the user list of other tenants stays hidden.
            kwargs["queryset"] = get_user_model().objects.filter(
                memberships__workspace__in=member_workspace_ids(request)
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

"""Zapier hook subscriptions in the admin: read-only, with their deliveries; Unsubscribe and
Enable buttons, re-send failures."""
from django.contrib import admin, messages
from django.utils.html import format_html

from integrations.admin import STATUS_COLOURS
from integrations.delivery.admin_tools import (
    deliveries_table,
    recover_failed_deliveries,
)
from integrations.zapier import selectors, services
from integrations.zapier.models import HookSubscription
from metachat.workspaces.buttons import ObjectButtonsMixin, button
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin

RECENT = 20


@admin.register(HookSubscription)
class HookSubscriptionAdmin(ObjectButtonsMixin, WorkspaceScopedAdminMixin,
                            admin.ModelAdmin):
    """Zapier makes and ends subscriptions; operators read them and may end one."""

    list_display = ("public_id", "event", "status_label", "target_url", "created_at",
                    "last_delivery_at", "unsubscribed_at", "workspace")
    list_filter = ("event", "active", ("unsubscribed_at", admin.EmptyFieldListFilter))
    search_fields = ("public_id", "target_url")
    list_select_related = ("workspace",)
    fieldsets = [
        (None, {"fields": ["public_id", "workspace", "event", "target_url", "filters",
                           "api_key", "created_at"]}),
        ("Health", {"fields": ["status_label", "disabled_reason", "failing_since",
                               "last_success_at", "last_delivery_at", "last_error"]}),
        ("Unsubscribed", {"fields": ["unsubscribed_at", "unsubscribed_by"]}),
        ("Recent deliveries", {"fields": ["recent_deliveries"]}),
    ]
    readonly_fields = ("public_id", "workspace", "event", "target_url", "filters", "api_key",
                       "created_at", "status_label", "disabled_reason", "failing_since",
                       "last_success_at", "last_delivery_at", "last_error", "unsubscribed_at",
                       "unsubscribed_by", "recent_deliveries")
    actions = ["unsubscribe_selected", "enable_selected", recover_failed_deliveries]
    change_actions = ["unsubscribe", "enable"]
    row_actions = ["unsubscribe", "enable"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # rows are kept for the delivery log; Unsubscribe ends one

    @admin.display(description="Status")
    def status_label(self, subscription):
        status = subscription.subscription_status
        return format_html('<strong style="color:{}">{}</strong>',
                           STATUS_COLOURS.get(status, "#57606a"), status.capitalize())

    @admin.display(description="Deliveries (newest first, with their attempts)")
    def recent_deliveries(self, subscription):
        return deliveries_table(selectors.hook_deliveries(subscription=subscription)[:RECENT])


    def button_shown(self, request, obj, name):
        if name == "unsubscribe":
            return obj.unsubscribed_at is None
        if name == "enable":
            return _may_enable(obj)
        return True

    @button("Unsubscribe", description="Stop sending to this zap; its waiting deliveries are "
                                       "cancelled")
    def unsubscribe(self, request, subscription):
        services.hook_unsubscribe(subscription=subscription,
                                  by=HookSubscription.UnsubscribedBy.OPERATOR)
        self.message_user(request, f"{subscription} is unsubscribed.", messages.SUCCESS)

    @button("Enable", description="Resume delivery; deliveries that waited go out")
    def enable(self, request, subscription):
        if subscription.unsubscribed_at is not None:
            self.message_user(request, f"{subscription} is unsubscribed; Zapier subscribes "
                                       "again when the zap is turned on.", messages.ERROR)
            return
        services.hook_subscription_enable(subscription=subscription)
        self.message_user(request, f"{subscription} is enabled.", messages.SUCCESS)

    @admin.action(description="Unsubscribe (stop sending to this zap)")
    def unsubscribe_selected(self, request, queryset):
        count = 0
        for subscription in self.changeable(request, queryset):
            if subscription.unsubscribed_at is None:
                services.hook_unsubscribe(subscription=subscription,
                                          by=HookSubscription.UnsubscribedBy.OPERATOR)
                count += 1
        self.message_user(request, f"{count} subscriptions unsubscribed.", messages.SUCCESS)

    @admin.action(description="Enable (resume delivery after it was disabled)")
    def enable_selected(self, request, queryset):
        count = 0
        for subscription in self.changeable(request, queryset):
            if _may_enable(subscription):
                services.hook_subscription_enable(subscription=subscription)
                count += 1
        self.message_user(request, f"{count} subscriptions enabled.", messages.SUCCESS)


def _may_enable(subscription) -> bool:
    """Live and not healthy: disabled, or failing (enabling starts it with a clean slate)."""
    return subscription.unsubscribed_at is None and subscription.status != "active"

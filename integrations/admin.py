"""Webhooks and their delivery logs in the admin, scoped to the operator's workspaces."""
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from integrations import services
from integrations.delivery.admin_tools import deliveries_table, recover_failed_deliveries
from integrations.models import Attempt, Delivery, Recovery, Webhook
from integrations.webhooks.signing import secret_generate
from integrations.zapier.models import HookSubscription
from metachat.events.admin import EventAdmin as BaseEventAdmin
from metachat.events.catalogue import EventType
from metachat.events.models import Event
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin

STATUS_COLOURS = {"active": "#1a7f37", "failing": "#b35900", "disabled": "#b42318"}
RECENT = 20


def status_badge(status: str):
    return format_html(
        '<strong style="color:{}">{}</strong>', STATUS_COLOURS.get(status, "inherit"),
        status.capitalize(),
    )


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https",
                         help_text="Where events are POSTed. Must resolve to a public address.")
    events = forms.MultipleChoiceField(
        choices=[("*", "All events"), *EventType.choices],
        widget=forms.CheckboxSelectMultiple,
        help_text="Which events to send; “All events” includes ones added later.",
    )

    class Meta:
        model = Webhook
        fields = ["workspace", "name", "url", "events", "filters", "description", "active"]

    def clean(self):
        data = super().clean()
        try:
            data.update(services.webhook_validate(
                url=data.get("url"), events=data.get("events"),
                filters=data.get("filters") or [], name=data.get("name"),
            ))
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                self.add_error(field if field in self.fields else None, problems)
        return data


@admin.register(Webhook)
class WebhookAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    form = WebhookForm
    list_display = ("name", "status_label", "url", "event_names", "last_success_at", "workspace")
    list_filter = ("active",)
    search_fields = ("name", "url", "public_id")
    readonly_fields = ("public_id", "status_label", "disabled_reason", "failing_since",
                       "last_success_at", "last_error", "created_at", "recent_deliveries")
    actions = ["send_test", "enable", "rotate_secret", recover_failed_deliveries]

    def delete_model(self, request, obj):
        services.webhook_delete(webhook=obj)

    def delete_queryset(self, request, queryset):
        for webhook in queryset:
            services.webhook_delete(webhook=webhook)

    fieldsets = [
        (None, {"fields": ["workspace", "name", "url", "events", "filters", "description",
                           "active"]}),
        ("Health", {"fields": ["public_id", "status_label", "disabled_reason", "failing_since",
                               "last_success_at", "last_error", "created_at"]}),
        ("Recent deliveries", {"fields": ["recent_deliveries"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # A webhook never changes tenant: its pending deliveries carry its workspace's events.
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else ("workspace", *readonly)

    @admin.display(description="Status")
    def status_label(self, webhook):
        return status_badge(webhook.status)

    @admin.display(description="Events")
    def event_names(self, webhook):
        return "All" if "*" in webhook.events else ", ".join(webhook.events)

    @admin.display(description="Deliveries (newest first, with their attempts)")
    def recent_deliveries(self, webhook):
        if webhook.pk is None:
            return "—"
        return deliveries_table(
            Delivery.objects.filter(workspace_id=webhook.workspace_id, destination_kind="webhook",
                                    destination_id=webhook.pk)
            .select_related("event").prefetch_related("attempts")[:RECENT]
        )

    def save_model(self, request, obj, form, change):
        created = obj.pk is None
        was_active = None if created else (
            Webhook.objects.filter(pk=obj.pk).values_list("active", flat=True).first()
        )
        if created:
            obj.secrets = [{"secret": secret_generate(), "expires_at": None}]
        super().save_model(request, obj, form, change)
        if was_active is False and obj.active:
            services.webhook_enable(webhook=obj)  # clears the failure state, resumes deliveries
        if created:
            self.message_user(
                request,
                f"Signing secret of “{obj.name}” (shown this once; rotate it to get a new one): "
                f"{obj.secrets[0]['secret']}",
                messages.WARNING,
            )


    @admin.action(description="Test: send a webhook.test event now")
    def send_test(self, request, queryset):
        for webhook in self.changeable(request, queryset):
            attempt = services.webhook_send_test(webhook=webhook)
            if attempt.ok:
                self.message_user(request, f"{webhook.name}: HTTP {attempt.response_status} in "
                                           f"{attempt.duration_ms:.0f} ms.", messages.SUCCESS)
            else:
                self.message_user(request, f"{webhook.name}: failed ({attempt.error}) after "
                                           f"{attempt.duration_ms:.0f} ms.", messages.ERROR)

    @admin.action(description="Enable (resume delivery)")
    def enable(self, request, queryset):
        for webhook in self.changeable(request, queryset):
            services.webhook_enable(webhook=webhook)
        self.message_user(request, "Enabled; waiting deliveries are going out.", messages.SUCCESS)

    @admin.action(description="Rotate the signing secret (the old one signs for 24 h more)")
    def rotate_secret(self, request, queryset):
        for webhook in self.changeable(request, queryset):
            secret = services.webhook_rotate_secret(webhook=webhook)
            self.message_user(request, f"New signing secret of “{webhook.name}” (shown this "
                                       f"once): {secret}", messages.WARNING)


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    ordering = ("number",)
    fields = ("number", "outcome", "started_at", "duration_ms", "response_status", "error",
              "response_body")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyLogAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    """Logs are read-only; actions that resend check edit rights themselves."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyLogAdmin):
    list_display = ("event_type", "destination", "status", "attempt_count", "next_attempt_at",
                    "last_error", "created_at")
    list_filter = ("status", "destination_kind")
    search_fields = ("public_id", "event__public_id")
    list_select_related = ("event",)
    readonly_fields = ("public_id", "workspace", "event_link", "destination", "status",
                       "attempt_count", "next_attempt_at", "last_error", "created_at",
                       "delivered_at", "payload")
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, delivery):
        return delivery.event.type

    @admin.display(description="Event")
    def event_link(self, delivery):
        return f"{delivery.event.type} {delivery.event.public_id}"

    @admin.display(description="Payload sent")
    def payload(self, delivery):
        return format_html("<pre>{}</pre>", json.dumps(delivery.event.payload, indent=2))

    @admin.display(description="Destination")
    def destination(self, delivery):
        if delivery.destination_kind == "webhook":
            webhook = Webhook.objects.filter(pk=delivery.destination_id).first()
            if webhook is not None:
                return f"Webhook “{webhook.name}”"
        if delivery.destination_kind == "zapier":
            hook = HookSubscription.objects.filter(pk=delivery.destination_id).first()
            if hook is not None:
                return f"Zapier hook {hook.public_id} ({hook.event})"
        return f"{delivery.destination_kind} #{delivery.destination_id}"

    @admin.action(description="Redeliver")
    def redeliver(self, request, queryset):
        count = 0
        for delivery in queryset:
            if self.may_change(request, delivery):
                services.webhook_redeliver(delivery=delivery)
                count += 1
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyLogAdmin):
    list_display = ("delivery", "number", "outcome", "started_at", "response_status",
                    "duration_ms", "error")
    list_filter = ("outcome", "response_status")
    list_select_related = ("delivery__event",)


admin.site.unregister(Event)


@admin.register(Event)
class EventAdmin(BaseEventAdmin):
    """The events list, with a Redeliver action (to every destination the event went to)."""

    actions = ["redeliver"]

    @admin.action(description="Redeliver to every destination")
    def redeliver(self, request, queryset):
        count = 0
        for event in queryset:
            if self.may_change(request, event):
                count += len(services.webhook_redeliver_event(event=event))
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyLogAdmin):
    list_display = ("public_id", "destination_kind", "destination_id", "since", "requested_by",
                    "deliveries_resent", "created_at", "finished_at")
    list_filter = ("destination_kind",)
    readonly_fields = list_display




"""Webhooks and their delivery logs in the admin, scoped to the operator's workspaces:
Test, Enable, Rotate secret and Redeliver as buttons, the filter editor and its preview."""
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from integrations import selectors, services
from integrations.admin_filters import (
    OPERATOR_LABELS,
    FilterRowsField,
    FilterRowsWidget,
    value_text,
)
from integrations.delivery import destinations
from integrations.delivery.admin_tools import (
    deliveries_table,
    recover_failed_deliveries,
)
from integrations.models import Attempt, Delivery, Recovery, Webhook
from metachat.events.admin import EventAdmin as BaseEventAdmin
from metachat.events.catalogue import EventType
from metachat.events.models import Event
from metachat.workspaces.buttons import ObjectButtonsMixin, button
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin

STATUS_COLOURS = {"active": "#1a7f37", "failing": "#b35900", "disabled": "#b42318"}
RECENT = 20
TEST_BODY_SHOWN = 200  # characters of the receiver's answer the Test message shows


def status_badge(status: str):
    return format_html(
        '<strong style="color:{}">{}</strong>', STATUS_COLOURS.get(status, "inherit"),
        status.capitalize(),
    )


class DestinationKindFilter(admin.SimpleListFilter):
    """Deliveries by where they go, in words."""

    title = "destination"
    parameter_name = "destination_kind"
    KINDS = (("webhook", "Webhooks"), ("zapier", "Zapier hooks"), ("crm", "CRM connections"))

    def lookups(self, request, model_admin):
        return self.KINDS

    def queryset(self, request, queryset):
        known = dict(self.KINDS)
        return queryset.filter(destination_kind=self.value()) if self.value() in known else queryset


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https", label="URL",
                         help_text="Where events are POSTed. In production, private and "
                                   "internal addresses are refused.")
    events = forms.MultipleChoiceField(
        choices=[("*", "All events"), *EventType.choices],
        widget=forms.CheckboxSelectMultiple,
        help_text="Which events to send; “All events” includes ones added later.",
    )
    filters = FilterRowsField(
        help_text="Send an event only when every condition holds, e.g. confidence is less than "
        "0.5. A field may go into objects with dots (user.email); a value is a number, "
        "true/false, a list for “is one of” (comma-separated or JSON) or text (quote digits "
        "to keep them text). No conditions: every event of the chosen types.",
    )

    class Meta:
        model = Webhook
        fields = ["workspace", "name", "url", "events", "filters", "description", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filters"].widget.webhook_id = self.instance.pk

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


def _test_message(webhook: Webhook, attempt) -> tuple[str, int]:
    """What the Test button says: the status or error, the time, the start of the answer."""
    took = f"{attempt.duration_ms or 0:.0f} ms"
    body = attempt.response_body.strip()
    answer = ""
    if body:
        more = "…" if len(body) > TEST_BODY_SHOWN else ""
        answer = f" Response: {body[:TEST_BODY_SHOWN]}{more}"
    if attempt.ok:
        status = f"HTTP {attempt.response_status}"
        return f"Test sent to “{webhook.name}”: {status} in {took}.{answer}", messages.SUCCESS
    return f"Test to “{webhook.name}” failed: {attempt.error} after {took}.{answer}", messages.ERROR


@admin.register(Webhook)
class WebhookAdmin(ObjectButtonsMixin, WorkspaceScopedAdminMixin,
                   admin.ModelAdmin):
    form = WebhookForm
    list_display = ("name", "status_label", "url", "event_names", "last_success_at", "workspace")
    list_filter = ("active",)
    search_fields = ("name", "url", "public_id")
    readonly_fields = ("public_id", "status_label", "disabled_reason", "failing_since",
                       "last_success_at", "last_error", "created_at", "recent_deliveries",
                       "filters_in_words", "event_names")
    actions = ["send_test", "enable_selected", "rotate_secret_selected", recover_failed_deliveries]
    change_actions = ["test", "enable", "rotate_secret"]
    row_actions = ["test", "enable", "rotate_secret"]

    def delete_model(self, request, obj):
        services.webhook_delete(webhook=obj)

    def delete_queryset(self, request, queryset):
        for webhook in queryset:
            services.webhook_delete(webhook=webhook)

    def get_fieldsets(self, request, obj=None):
        # Those who may not change it read the conditions in words, not as JSON.
        editable = self.may_change(request, obj)
        filters = "filters" if editable else "filters_in_words"
        events = "events" if editable else "event_names"
        fieldsets = [
            (None, {"fields": ["workspace", "name", "url", events, "description", "active"]}),
            ("Filters", {"fields": [filters]}),
        ]
        if obj is None:
            return fieldsets  # no id, health or log before it exists
        return [
            *fieldsets,
            ("Health", {"fields": ["public_id", "status_label", "disabled_reason",
                                   "failing_since", "last_success_at", "last_error",
                                   "created_at"]}),
            ("Recent deliveries", {"fields": ["recent_deliveries"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # A webhook never changes tenant: its pending deliveries carry its workspace's events.
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else ("workspace", *readonly)

    def get_urls(self):
        preview = path("preview/", self.admin_site.admin_view(self.preview_view),
                       name="integrations_webhook_preview")
        return [preview, *super().get_urls()]

    @admin.display(description="Status")
    def status_label(self, webhook):
        return status_badge(webhook.status)

    @admin.display(description="Events")
    def event_names(self, webhook):
        return "All" if "*" in webhook.events else ", ".join(webhook.events)

    @admin.display(description="Filters")
    def filters_in_words(self, webhook):
        return "; ".join(
            f"{c['field']} {OPERATOR_LABELS[c['op']]} {value_text(c['value'])}"
            for c in webhook.filters
        ) or "None: every event of the chosen types."

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
        """Through the services the API uses: the secret is made there and shown here once."""
        data = form.cleaned_data
        fields = {name: data[name] for name in ("name", "url", "events", "filters",
                                                 "description", "active")}
        if change:
            # `obj` already holds the form's values; the service compares with the stored ones.
            services.webhook_update(webhook=Webhook.objects.get(pk=obj.pk), **fields)
            obj.refresh_from_db()
            return
        workspace = data["workspace"]
        self.workspace_to_create_in(request, workspace.pk)
        webhook, secret = services.webhook_create(workspace=workspace, **fields)
        obj.pk = webhook.pk
        obj.refresh_from_db()
        self.message_user(
            request, f"Signing secret of “{webhook.name}” (shown this once; rotate it to get a "
                     f"new one): {secret}", messages.WARNING)

    # --- the filter preview -------------------------------------------------------------
    def preview_view(self, request):
        """Which of the workspace's recent events the posted events and filter rows would
        let through, as a fragment of the webhook form; nothing is saved."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        context = {"results": [], "problem": "", "hint": ""}
        workspace_id = self._preview_workspace(request)
        filters, errors = FilterRowsField().conditions(
            FilterRowsWidget().value_from_datadict(request.POST, None, "filters"))
        try:
            events = services.webhook_validate(events=request.POST.getlist("events"))["events"]
        except ValidationError:
            events = None
        # Not chosen yet is not a mistake: a hint, not an error.
        if workspace_id is None:
            context["hint"] = "Choose the workspace to see which of its recent events match."
        elif events is None:
            context["hint"] = "Choose the events to send to see which recent ones match."
        elif errors:
            context["problem"] = "Fix the conditions first: " + " ".join(
                f"Row {index + 1}: {problem}" for index, problem in errors.items())
        else:
            rows = selectors.webhook_filter_preview(workspace_id=workspace_id, events=events,
                                                    filters=filters, limit=RECENT)
            context["results"] = [
                (event, sent, _shortened(json.dumps(event.payload.get("data") or {},
                                                    ensure_ascii=False)))
                for event, sent in rows
            ]
            context["matched"] = sum(sent for _, sent in rows)
        return TemplateResponse(request, "admin/integrations/webhook/filter_preview.html",
                                context)

    def _preview_workspace(self, request) -> int | None:
        """The changed webhook's workspace, or the one chosen on the add page; another
        workspace's is a 404, as everywhere."""
        webhook_id = request.POST.get("webhook", "")
        if webhook_id:
            webhook = Webhook.objects.filter(pk=webhook_id).first() if webhook_id.isdigit() \
                else None
            if webhook is None or not self.may_change(request, webhook):
                raise Http404("No webhook with that id.")
            return webhook.workspace_id
        chosen = request.POST.get("workspace", "")
        try:
            return self.workspace_to_create_in(request, int(chosen) if chosen.isdigit() else None)
        except PermissionDenied:
            if chosen:
                raise Http404("No workspace with that id.") from None
            return None  # none chosen yet, and more than one to choose from

    # --- buttons on each row and page (the guide's words) ----------------------------------
    def button_shown(self, request, obj, name):
        if name == "enable":  # a failing webhook is still on: it retries by itself
            return obj.status == Webhook.Status.DISABLED
        return True

    @button("Test", description="Send a webhook.test event now and show the answer")
    def test(self, request, webhook):
        self.message_user(request, *_test_message(
            webhook, services.webhook_send_test(webhook=webhook)))

    @button("Enable", description="Switch it back on; deliveries that waited go out")
    def enable(self, request, webhook):
        services.webhook_enable(webhook=webhook)
        self.message_user(request, f"“{webhook.name}” is enabled; waiting deliveries are going "
                                   "out.", messages.SUCCESS)

    @button("Rotate secret", description="A new signing secret; the old one signs for 24 h more")
    def rotate_secret(self, request, webhook):
        self._show_new_secret(request, webhook, services.webhook_rotate_secret(webhook=webhook))

    def _show_new_secret(self, request, webhook, secret):
        self.message_user(request, f"New signing secret of “{webhook.name}” (shown this once; "
                                   f"the old one signs for 24 hours more): {secret}",
                          messages.WARNING)

    # --- bulk actions -------------------------------------------------------------------
    @admin.action(description="Test: send a webhook.test event now")
    def send_test(self, request, queryset):
        for webhook in self.changeable(request, queryset):
            self.message_user(request, *_test_message(
                webhook, services.webhook_send_test(webhook=webhook)))

    @admin.action(description="Enable (resume delivery)")
    def enable_selected(self, request, queryset):
        for webhook in self.changeable(request, queryset):
            services.webhook_enable(webhook=webhook)
        self.message_user(request, "Enabled; waiting deliveries are going out.", messages.SUCCESS)

    @admin.action(description="Rotate the signing secret (the old one signs for 24 h more)")
    def rotate_secret_selected(self, request, queryset):
        for webhook in self.changeable(request, queryset):
            self._show_new_secret(request, webhook, services.webhook_rotate_secret(webhook=webhook))


@admin.display(description="Took", ordering="duration_ms")
def attempt_duration(attempt) -> str:
    return "—" if attempt.duration_ms is None else f"{attempt.duration_ms:.0f} ms"


def _shortened(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    ordering = ("number",)
    fields = ("number", "outcome", "started_at", attempt_duration, "response_status", "error",
              "response_body")
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        # Whoever may see the delivery (the workspace rule) reads its attempts.
        return self.admin_site._registry[Delivery].has_view_permission(request, obj)

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
class DeliveryAdmin(ObjectButtonsMixin, ReadOnlyLogAdmin):
    list_display = ("event_type", "destination", "status", "attempt_count", "next_attempt_at",
                    "last_error", "created_at")
    list_filter = ("status", DestinationKindFilter)
    search_fields = ("public_id", "event__public_id")
    list_select_related = ("event",)
    readonly_fields = ("public_id", "workspace", "event_link", "destination", "status",
                       "attempt_count", "next_attempt_at", "last_error", "created_at",
                       "delivered_at", "payload")
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["redeliver_selected"]
    change_actions = ["redeliver"]
    row_actions = ["redeliver"]

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, delivery):
        return delivery.event.type

    @admin.display(description="Event")
    def event_link(self, delivery):
        return f"{delivery.event.type} {delivery.event.public_id}"

    @admin.display(description="Payload sent")
    def payload(self, delivery):
        return format_html("<pre>{}</pre>", json.dumps(delivery.event.payload, indent=2))

    def get_changelist_instance(self, request):
        # The Destination column names each row's webhook, hook or connection: look them up
        # once per kind for the whole page, not once per row (as `destination_title` would).
        changelist = super().get_changelist_instance(request)
        page = list(changelist.result_list)
        wanted: dict[str, set[int]] = {}
        for delivery in page:
            wanted.setdefault(delivery.destination_kind, set()).add(delivery.destination_id)
        for kind_name, ids in wanted.items():
            try:
                kind = destinations.get(kind_name)
            except KeyError:
                continue  # `destination_title` names it without a query
            found = kind.model.objects.in_bulk(ids)
            for delivery in page:
                if delivery.destination_kind == kind_name:
                    destination = found.get(delivery.destination_id)
                    delivery.listed_title = (kind.title(destination) if destination
                                             else f"a deleted {kind_name}")
        return changelist

    @admin.display(description="Destination")
    def destination(self, delivery):
        title = getattr(delivery, "listed_title", None) or delivery.destination_title
        return title[:1].upper() + title[1:]

    @button("Redeliver", description="Send it again, with the same event id")
    def redeliver(self, request, delivery):
        services.webhook_redeliver(delivery=delivery)
        self.message_user(request, f"Queued again: {delivery}.", messages.SUCCESS)

    @admin.action(description="Redeliver")
    def redeliver_selected(self, request, queryset):
        count = 0
        for delivery in self.changeable(request, queryset):
            services.webhook_redeliver(delivery=delivery)
            count += 1
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyLogAdmin):
    list_display = ("__str__", "outcome", "started_at", "response_status", attempt_duration,
                    "error")
    list_filter = ("outcome", "response_status")
    list_select_related = ("delivery__event",)


admin.site.unregister(Event)


@admin.register(Event)
class EventAdmin(ObjectButtonsMixin, BaseEventAdmin):
    """The events list, with Redeliver (to every destination the event went to)."""

    actions = ["redeliver_selected"]
    change_actions = ["redeliver"]

    @button("Redeliver", description="Send it again to every destination it went to")
    def redeliver(self, request, event):
        count = len(services.webhook_redeliver_event(event=event))
        self.message_user(request, f"{count} deliveries of {event} queued again.",
                          messages.SUCCESS)

    @admin.action(description="Redeliver to every destination")
    def redeliver_selected(self, request, queryset):
        count = 0
        for event in self.changeable(request, queryset):
            count += len(services.webhook_redeliver_event(event=event))
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyLogAdmin):
    list_display = ("public_id", "destination_kind", "destination_id", "since", "requested_by",
                    "deliveries_resent", "created_at", "finished_at")
    list_filter = (DestinationKindFilter,)
    readonly_fields = list_display




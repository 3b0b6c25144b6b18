"""CRM connections in the admin: Connect a CRM (a form per provider), the field mapping
(saved by the API's service), buttons Test <CRM> connection / Disconnect / Reconnect, and
the sync log. Secrets are never shown back."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from integrations.crm import services
from integrations.crm.models import CrmConnection, FieldMapping
from integrations.crm.providers import provider_class, providers
from integrations.crm.providers.base import CrmError
from integrations.crm.selectors import DESTINATION_KIND, crm_deliveries_recent
from integrations.crm.sources import SourceField
from integrations.delivery.admin_tools import recover_failed_deliveries
from metachat.events.catalogue import EventType
from metachat.workspaces.buttons import ObjectButtonsMixin, button
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin


class FieldMappingForm(forms.ModelForm):
    source_field = forms.ChoiceField(
        choices=[("", "— fixed value —"), *SourceField.choices], required=False,
        help_text="Meta Chat data to send.",
    )

    class Meta:
        model = FieldMapping
        fields = ["source_field", "target_field", "fixed_value", "transform", "position"]

    def validate_unique(self):
        """The mapping is replaced as a whole: the service refuses a field mapped twice."""


class FieldMappingFormSet(forms.BaseInlineFormSet):
    """The rows are checked, and saved, by the services the API's
    `PUT …/field-mappings` uses, so the admin applies the same rules and messages."""

    # The new mapping, as the service takes it, once the operator changed it and it passed.
    mappings: list[dict] | None = None

    def validate_unique(self):
        """The service refuses a field mapped twice, in its own words."""

    def clean(self):
        super().clean()
        if self.instance.pk is None or any(form.errors for form in self.forms):
            return  # a new connection starts with the provider's default mapping
        if not (any(form.has_changed() for form in self.forms) or self.deleted_forms):
            return
        kept = sorted(
            (form for form in self.forms
             if form.cleaned_data and not self._should_delete_form(form)),
            key=lambda form: form.cleaned_data.get("position") or 0,
        )
        mappings = [{name: form.cleaned_data.get(name) or "" for name in
                     ("source_field", "target_field", "fixed_value", "transform")}
                    for form in kept]
        try:
            services.field_mappings_check(connection=self.instance, mappings=mappings)
        except services.CrmInputError as error:
            raise ValidationError(error.message) from None
        self.mappings = mappings


class FieldMappingInline(admin.TabularInline):
    model = FieldMapping
    form = FieldMappingForm
    formset = FieldMappingFormSet
    extra = 1
    verbose_name = "field mapping"
    verbose_name_plural = "Field mapping (Meta Chat data → CRM field)"

    # Rights follow the connection's workspace (the parent admin's rules), not model perms.
    def _parent(self):
        return self.admin_site._registry[CrmConnection]

    def has_view_permission(self, request, obj=None):
        return self._parent().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent().has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent().has_change_permission(request, obj)


class ConnectionForm(forms.ModelForm):
    """The connect form of one provider: its credential fields, named as in its own UI."""

    provider_key: str = ""

    events = forms.MultipleChoiceField(
        choices=EventType.choices, widget=forms.CheckboxSelectMultiple,
        initial=[EventType.CONVERSATION_ENDED.value],
        help_text="Each of these events creates a record.",
    )

    class Meta:
        model = CrmConnection
        fields = ["workspace", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cls = provider_class(self.provider_key)
        self.provider_cls = cls
        adding = self.instance.pk is None
        if not adding:
            self.fields.pop("workspace", None)
            self.initial["events"] = self.instance.events
        for field in cls.credential_fields:
            help_text = field.help_text
            if field.secret and not adding:
                help_text = f"{help_text} Stored; leave blank to keep it."
            self.fields[f"credential_{field.name}"] = forms.CharField(
                label=field.label, required=adding or not field.secret, help_text=help_text,
                widget=(forms.PasswordInput(render_value=False, attrs={"size": 60})
                        if field.secret else forms.TextInput(attrs={"size": 60})),
                initial=None if field.secret else (self.instance.credentials or {}).get(
                    field.name),
            )
        if cls.any_target_object:
            target = forms.CharField(
                label="Record type", required=False,
                help_text=f"{', '.join(cls.target_objects)} or any object's API name "
                f"(default {cls.default_target_object}).",
            )
        else:
            target = forms.ChoiceField(label="Record type", choices=[
                (t, t.capitalize()) for t in cls.target_objects])
        target.initial = self.instance.target_object or cls.default_target_object
        self.fields["target_object"] = target

    def credentials(self) -> dict:
        return {f.name: self.cleaned_data.get(f"credential_{f.name}", "")
                for f in self.provider_cls.credential_fields}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.checked_credentials, self.checked_target = services.crm_connection_check(
                provider=self.provider_key, credentials=self.credentials(),
                target_object=data.get("target_object", ""),
                stored=None if self.instance.pk is None else self.instance.credentials,
                stored_target=None if self.instance.pk is None else self.instance.target_object,
            )
        except services.CrmInputError as error:
            raise ValidationError(error.message) from None
        return data


class ProviderFilter(admin.SimpleListFilter):
    """Connections by CRM, named as the CRM names itself."""

    title = "CRM"
    parameter_name = "provider__exact"

    def lookups(self, request, model_admin):
        return [(key, cls.label) for key, cls in providers().items()]

    def queryset(self, request, queryset):
        return queryset.filter(provider=self.value()) if self.value() in providers() else queryset


@admin.register(CrmConnection)
class CrmConnectionAdmin(ObjectButtonsMixin, WorkspaceScopedAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/named_add/change_form.html"
    add_label = "Connect a CRM"
    list_display = ("name", "provider_label", "workspace", "status", "target_object",
                    "last_success_at", "last_error_short")
    list_filter = (ProviderFilter, "status")
    search_fields = ("name", "public_id")
    actions = ["test_connection", "disconnect", "reconnect", recover_failed_deliveries]
    inlines = [FieldMappingInline]

    def delete_model(self, request, obj):
        services.crm_connection_delete(connection=obj)

    def delete_queryset(self, request, queryset):
        for connection in queryset:
            services.crm_connection_delete(connection=connection)

    # --- which form ---------------------------------------------------------------------------
    def _provider_key(self, request, obj=None) -> str:
        key = obj.provider if obj is not None else request.GET.get("provider", "")
        return key if key in providers() else ""

    def get_form(self, request, obj=None, change=False, **kwargs):
        key = self._provider_key(request, obj)
        form = type(f"{key.capitalize()}ConnectionForm", (ConnectionForm,),
                    {"provider_key": key})
        kwargs["form"] = form
        kwargs["fields"] = ["workspace", "name"] if obj is None else ["name"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        key = self._provider_key(request, obj)
        cls = provider_class(key)
        credential_names = [f"credential_{f.name}" for f in cls.credential_fields]
        first = ["workspace", "name"] if obj is None else ["name"]
        fieldsets = [
            (None, {"fields": first}),
            (f"{cls.label} credentials", {"fields": credential_names,
                                          "description": cls.setup_help}),
            ("What to sync", {"fields": ["events", "target_object"]}),
        ]
        if obj is not None:
            fieldsets.insert(1, ("Status", {"fields": [
                "status", "last_error", "last_error_at", "last_success_at", "failing_since",
                "active", "disabled_reason"]}))
            fieldsets.append(("Sync log", {"fields": ["sync_log"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("status", "last_error", "last_error_at", "last_success_at", "failing_since",
                "active", "disabled_reason", "sync_log")

    def get_inlines(self, request, obj):
        # A new connection starts with its provider's default mapping, edited afterwards.
        return [] if obj is None else self.inlines

    def add_view(self, request, form_url="", extra_context=None):
        if not self._provider_key(request):
            context = {
                **self.admin_site.each_context(request),
                "title": "Connect a CRM",
                "opts": self.model._meta,
                "providers": [
                    (cls.label, f"{request.path}?provider={key}", cls.setup_help)
                    for key, cls in providers().items()
                ],
            }
            return TemplateResponse(request, "admin/crm/choose_provider.html", context)
        extra_context = {"show_save_and_add_another": False, "show_save_and_continue": False,
                         **(extra_context or {}),
                         "title": f"Connect {provider_class(self._provider_key(request)).label}"}
        return super().add_view(request, form_url, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.CrmInputError as error:
            # The mapping passed against the stored settings but not the new ones (another
            # record type, say). The view's transaction is rolled back: nothing was saved.
            self.message_user(request, f"Nothing was saved: {error.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if not change:
            workspace = form.cleaned_data["workspace"]
            self.workspace_to_create_in(request, workspace.pk)
            connection = services.crm_connection_connect(
                workspace=workspace, provider=form.provider_key,
                name=form.cleaned_data["name"], credentials=form.checked_credentials,
                target_object=form.checked_target, events=form.cleaned_data["events"],
                verified=True,
            )
            obj.pk = connection.pk
            obj.refresh_from_db()
            return
        services.crm_connection_update(
            connection=obj, name=form.cleaned_data["name"],
            credentials=form.checked_credentials, target_object=form.checked_target,
            events=form.cleaned_data["events"], verified=True,
        )

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, FieldMappingFormSet):
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.mappings is None:
            return None  # the mapping was not changed
        previous = list(form.instance.field_mappings.all())
        formset.new_objects = services.field_mappings_replace(
            connection=form.instance, mappings=formset.mappings)
        formset.deleted_objects = previous
        return None

    # --- display -----------------------------------------------------------------------------
    @admin.display(description="CRM", ordering="provider")
    def provider_label(self, obj):
        cls = providers().get(obj.provider)
        return cls.label if cls else obj.provider

    @admin.display(description="Last error")
    def last_error_short(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.display(description="Latest deliveries")
    def sync_log(self, obj):
        deliveries = crm_deliveries_recent(connection=obj)
        if not deliveries:
            return "Nothing synced yet."
        rows = format_html_join(
            "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            ((reverse("admin:integrations_delivery_change", args=[d.pk]),
              d.created_at.strftime("%Y-%m-%d %H:%M:%S"), d.event.type, d.status,
              d.attempt_count, d.last_error[:120]) for d in deliveries),
        )
        everything = (reverse("admin:integrations_delivery_changelist")
                      + f"?destination_kind={DESTINATION_KIND}&destination_id={obj.pk}")
        return format_html(
            "<table><thead><tr><th>When</th><th>Event</th><th>Status</th><th>Attempts</th>"
            "<th>Last error</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">All deliveries</a> (attempts, Redeliver)</p>', rows, everything,
        )

    # --- buttons on the change page and the rows (the guide's words) ------------------------
    change_actions = ["test_connection_button", "disconnect_button", "reconnect_button"]
    row_actions = ["test_connection_button"]

    def button_label(self, obj, name):
        if name == "test_connection_button":
            return f"Test {self.provider_label(obj)} connection"
        return super().button_label(obj, name)

    def button_shown(self, request, obj, name):
        if name == "disconnect_button":
            return obj.status != CrmConnection.Status.DISCONNECTED
        if name == "reconnect_button":
            return obj.status != CrmConnection.Status.CONNECTED
        return True

    @button("Test connection", description="Create a test record in the CRM now")
    def test_connection_button(self, request, connection):
        self.test_connection(request, [connection])

    @button("Disconnect", description="Stop syncing; the credentials are kept")
    def disconnect_button(self, request, connection):
        self.disconnect(request, [connection])

    @button("Reconnect", description="Check the stored credentials and sync again")
    def reconnect_button(self, request, connection):
        self.reconnect(request, [connection])

    # --- actions -----------------------------------------------------------------------------
    @admin.action(description="Test connection (creates a test record)")
    def test_connection(self, request, queryset):
        for connection in self.changeable(request, queryset):
            label = self.provider_label(connection)
            try:
                record_id = services.crm_connection_test(connection=connection)
            except CrmError as error:
                self.message_user(request, f"{connection.name}: {error.message}", messages.ERROR)
                continue
            self.message_user(
                request, f"{connection.name}: test record created in {label} with id {record_id}.",
                messages.SUCCESS,
            )

    @admin.action(description="Disconnect (stop syncing)")
    def disconnect(self, request, queryset):
        for connection in self.changeable(request, queryset):
            services.crm_connection_disconnect(connection=connection)
            self.message_user(request, f"{connection.name}: disconnected.", messages.SUCCESS)

    @admin.action(description="Reconnect (check the credentials and sync again)")
    def reconnect(self, request, queryset):
        for connection in self.changeable(request, queryset):
            try:
                services.crm_connection_reconnect(connection=connection)
            except services.CrmInputError as error:
                change = reverse("admin:crm_crmconnection_change", args=[connection.pk])
                self.message_user(
                    request,
                    format_html('{}: {} <a href="{}">Enter fresh credentials</a>.',
                                connection.name, error.message, change),
                    messages.ERROR,
                )
                continue
            self.message_user(request, f"{connection.name}: connected.", messages.SUCCESS)

    def response_add(self, request, obj, post_url_continue=None):
        # Continue on the change page, where the field mapping is edited.
        super().response_add(request, obj, post_url_continue)
        return redirect("admin:crm_crmconnection_change", obj.pk)

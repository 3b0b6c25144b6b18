"""API keys in the admin: Create new key (the secret shown once), Revoke and Roll as buttons on
each key's page and row (and as list actions); never a hash."""
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from apikeys.models import ApiKey
from apikeys.origins import origins_normalise
from apikeys.publishable import widget_script_url, widget_snippet
from apikeys.scopes import SCOPE_CHOICES
from apikeys.selectors import api_keys_unused
from apikeys.services import (
    DEFAULT_GRACE_PERIOD,
    MAX_GRACE_PERIOD,
    api_key_create,
    api_key_revoke,
    api_key_roll,
    api_key_update,
)
from metachat.workspaces.buttons import ObjectButtonsMixin, button
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin

SHOWN_ONCE = "Copy it now: it is shown only this once."


def _local_path(request, path: str) -> str:
    """`path` if it leads to this site, else nothing (it becomes a link on the page)."""
    if url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return path
    return ""


class ApiKeyForm(forms.ModelForm):
    kind = forms.ChoiceField(
        choices=ApiKey.Kind.choices, initial=ApiKey.Kind.SECRET, required=False,
        widget=forms.RadioSelect, help_text=ApiKey._meta.get_field("kind").help_text,
    )
    scopes = forms.MultipleChoiceField(
        choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False,
        help_text="Secret keys: what the key may do; a request needing another scope gets 403. "
        "Publishable keys have none.",
    )
    allowed_origins = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://shop.example.com"}),
        required=False, label="Allowed origins",
        help_text="Publishable keys: one origin per line, exactly as browsers send it "
        "(https://shop.example.com). http://localhost:* allows any local port, for development.",
    )

    class Meta:
        model = ApiKey
        fields = ["workspace", "name", "kind", "scopes", "allowed_origins", "expires_at",
                  "rate_limit"]
        help_texts = {"rate_limit": "Requests allowed, e.g. 1200/min. Empty: the platform's "
                                    "default rate."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["allowed_origins"] = "\n".join(self.instance.allowed_origins)

    def clean_kind(self):
        if self.instance.pk:
            return self.instance.kind  # a key keeps its kind
        return self.cleaned_data.get("kind") or ApiKey.Kind.SECRET

    def clean_allowed_origins(self):
        lines = [line for line in self.cleaned_data.get("allowed_origins", "").split() if line]
        try:
            return origins_normalise(lines)
        except ValidationError as error:
            raise forms.ValidationError(error.messages)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ApiKey.Kind.SECRET and not cleaned.get("scopes"):
            self.add_error("scopes", "Give a secret key at least one scope.")
        return cleaned


class RollForm(forms.Form):
    grace_hours = forms.IntegerField(
        min_value=0, max_value=int(MAX_GRACE_PERIOD.total_seconds() // 3600),
        initial=int(DEFAULT_GRACE_PERIOD.total_seconds() // 3600),
        label="Grace period (hours)",
        help_text="How long the old keys keep working, so clients can switch to the new ones.",
    )


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ApiKey.Status.choices

    def queryset(self, request, queryset):
        if self.value() in ApiKey.Status.values:
            return queryset.filter(ApiKey.status_filter(self.value(), timezone.now()))
        return queryset


class UsageFilter(admin.SimpleListFilter):
    title = "usage"
    parameter_name = "usage"

    def lookups(self, request, model_admin):
        return [("unused30", "Not used for 30 days")]

    def queryset(self, request, queryset):
        if self.value() == "unused30":
            return api_keys_unused(queryset=queryset)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(ObjectButtonsMixin, WorkspaceScopedAdminMixin, admin.ModelAdmin):
    form = ApiKeyForm
    change_form_template = "admin/named_add/change_form.html"
    add_label = "Create new key"
    list_display = (
        "name", "kind_label", "workspace", "prefix", "scope_list", "origin_list",
        "status_label", "created_at", "expires_at", "last_used_at",
    )
    # RelatedOnly: the workspace filter lists the operator's workspaces, not every tenant.
    list_filter = (StatusFilter, "kind", UsageFilter,
                   ("workspace", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "public_id", "identifier")
    actions = ["revoke_keys", "roll_keys"]
    readonly_fields = (
        "public_id", "prefix", "status_label", "created_by", "created_at", "revoked_at",
        "last_used_at", "replaced_by", "snippet",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workspace", "replaced_by")

    # --- what the page shows ------------------------------------------------------------------
    @admin.display(description="Key")
    def prefix(self, obj):
        return obj.prefix

    @admin.display(description="Scopes")
    def scope_list(self, obj):
        return ", ".join(obj.scopes) or "—"

    @admin.display(description="Status")
    def status_label(self, obj):
        label = ApiKey.Status(obj.status).label
        if obj.status == ApiKey.Status.ACTIVE and obj.expires_at is not None:
            # A rolled key's grace period, or an expiry chosen when it was made.
            return f"{label} until {obj.expires_at:%Y-%m-%d %H:%M} UTC"
        return label

    @admin.display(description="Kind", ordering="kind")
    def kind_label(self, obj):
        return "Publishable (widget)" if obj.is_publishable else "Secret (server)"

    @admin.display(description="Allowed origins")
    def origin_list(self, obj):
        return ", ".join(obj.allowed_origins) or "—"

    @admin.display(description="Snippet to paste into your pages")
    def snippet(self, obj):
        if obj is None or not obj.is_publishable or not getattr(obj, "script_url", ""):
            return "—"
        code = widget_snippet(api_key=obj, script_url=obj.script_url)
        return format_html(
            '<textarea readonly rows="3" cols="90" onclick="this.select()" '
            'aria-label="Widget snippet">{}</textarea>', code,
        )

    def get_fields(self, request, obj=None):
        fields = ["workspace", "name", "kind", "scopes", "allowed_origins", "expires_at",
                  "rate_limit"]
        if obj is not None:
            fields = ["public_id", "prefix", "status_label", *fields, "created_by", "created_at",
                      "last_used_at", "revoked_at", "replaced_by"]
            if obj.is_publishable:
                fields.insert(3, "snippet")
        return fields

    def get_object(self, request, object_id, from_field=None):
        api_key = super().get_object(request, object_id, from_field)
        if api_key is not None:
            # The snippet names this server's address. It rides on this request's key: the
            # admin instance is shared by every request (and thread).
            api_key.script_url = widget_script_url(request)
        return api_key

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {"title": "Create new key", "show_save_and_add_another": False,
                         "show_save_and_continue": False, **(extra_context or {})}
        return super().add_view(request, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if obj is not None:
            readonly.append("workspace")  # a key never moves to another tenant
        if not request.user.is_superuser:
            # Rates protect the platform; operators see theirs but do not raise them.
            readonly.append("rate_limit")
        return readonly

    # --- create through the service, show the secret once --------------------------------------
    def save_model(self, request, obj, form, change):
        if change:
            api_key_update(
                api_key=obj, name=obj.name, scopes=obj.scopes,
                allowed_origins=obj.allowed_origins, expires_at=obj.expires_at,
                rate_limit=obj.rate_limit,
            )
            return
        # The mixin's checks (and its choice of workspace) run on `obj`; the key itself is
        # made by the service, which alone sees the plaintext.
        obj.workspace_id = self.workspace_to_create_in(request, obj.workspace_id)
        created, plaintext = api_key_create(
            workspace=obj.workspace, name=obj.name, scopes=obj.scopes, kind=obj.kind,
            allowed_origins=obj.allowed_origins, created_by=request.user,
            expires_at=obj.expires_at, rate_limit=obj.rate_limit,
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False
        if created.is_publishable:
            code = widget_snippet(api_key=created, script_url=widget_script_url(request))
            self.message_user(
                request, f"Publishable key “{created.name}” created. Paste this into your "
                f"pages: {code} (it is also on the key's page).", messages.SUCCESS,
            )
            return
        self.message_user(
            request, f"API key “{created.name}” created: {plaintext} — {SHOWN_ONCE}",
            messages.SUCCESS,
        )

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: the row stays as a record. Superusers may still delete (e.g. with
        # the workspace).
        return request.user.is_active and request.user.is_superuser

    # --- buttons on each key's page and row (the guide's words) ----------------------------------
    change_actions = ["revoke", "roll"]
    row_actions = ["revoke", "roll"]

    def button_shown(self, request, obj, name):
        active = obj.status == ApiKey.Status.ACTIVE
        if name == "roll":
            return active and obj.replaced_by_id is None
        return active

    @button("Revoke", description="The key stops working at once")
    def revoke(self, request, api_key):
        if "apply" not in request.POST:  # one click more: a revoked key cannot come back
            return TemplateResponse(request, "admin/apikeys/apikey/revoke.html", {
                **self.admin_site.each_context(request),
                "title": f"Revoke “{api_key.name}”?", "opts": self.model._meta,
                "key": api_key, "next": _local_path(request, request.POST.get("next", "")),
            })
        api_key_revoke(api_key=api_key)
        self.message_user(request, f"“{api_key.name}” revoked: its next request is refused.",
                          messages.SUCCESS)

    @button("Roll", description="A new key replaces this one; the old one works for the grace "
            "period you choose")
    def roll(self, request, api_key):
        return self._roll(request, [api_key], button_form=True)

    # --- list actions, for several keys at once ------------------------------------------------
    @admin.action(description="Revoke selected keys (they stop working at once)",
                  permissions=["change"])
    def revoke_keys(self, request, queryset):
        count = 0
        for api_key in self.changeable(request, queryset):
            if api_key.revoked_at is None:
                api_key_revoke(api_key=api_key)
                count += 1
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)

    @admin.action(description="Roll selected keys (new keys; the old ones work for a while)",
                  permissions=["change"])
    def roll_keys(self, request, queryset):
        return self._roll(request, self.changeable(request, queryset))

    def _roll(self, request, editable, *, button_form=False):
        """Ask the grace period (the first time), then roll each key and show each new key
        once, in the message on the next page."""
        form = RollForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": "Roll API key" if button_form else "Roll API keys",
                "opts": self.model._meta,
                "keys": editable,
                "form": form,
                "button_form": button_form,
                "next": _local_path(request, request.POST.get("next", "")),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/apikeys/apikey/roll.html", context)
        grace = timedelta(hours=form.cleaned_data["grace_hours"])
        for api_key in editable:
            try:
                new, plaintext = api_key_roll(
                    api_key=api_key, grace_period=grace, created_by=request.user
                )
            except ValidationError as error:
                self.message_user(
                    request, f"“{api_key.name}” not rolled: {' '.join(error.messages)}",
                    messages.WARNING,
                )
                continue
            self.message_user(
                request,
                f"“{api_key.name}” rolled. New key: {plaintext} — {SHOWN_ONCE} "
                f"The old key works until {api_key.expires_at:%Y-%m-%d %H:%M} UTC.",
                messages.SUCCESS,
            )
        return None

"""Admin: documents (add, upload, edit, delete), conversations with their messages and end
users (read-only), each scoped to the operator's workspaces."""
from django import forms
from django.contrib import admin
from django.db.models import Count

from conversations.errors import ConversationsError
from conversations.models import Conversation, Document, EndUser, Message, Passage
from conversations.services import (
    document_check,
    document_create,
    document_delete,
    document_update,
    source_type_for_upload,
)
from metachat.workspaces.scoping import WorkspaceScopedAdminMixin

# Where a service's complaint about a field shows in the form.
_FORM_FIELD = {"file": "upload", "content": "content", "title": "title",
               "source_type": "source_type"}


class DocumentForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        help_text="A PDF, Markdown (.md), HTML or text file. It replaces the content above; "
        "its type is taken from the file name.",
    )

    class Meta:
        model = Document
        fields = ["workspace", "title", "source_type", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 24, "cols": 100})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content"].required = False
        self.fields["title"].required = False
        self.fields["title"].help_text = "Shown in answers' sources. Defaults to the file name."
        self.fields["source_type"].choices = [
            choice for choice in Document.SourceType.choices
            if choice[0] != Document.SourceType.PDF
        ]
        self.fields["source_type"].help_text = (
            "How the content above is written. PDFs are uploaded as files."
        )
        if self.instance.pk and self.instance.source_type == Document.SourceType.PDF:
            self.fields["source_type"].initial = Document.SourceType.TEXT
            self.initial["source_type"] = Document.SourceType.TEXT

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            cleaned["data"] = upload.read()
            cleaned["filename"] = upload.name
            cleaned["source_type"] = source_type_for_upload(upload.name)
        else:
            cleaned["data"], cleaned["filename"] = None, ""
        try:
            document_check(
                title=cleaned.get("title") or "", source_type=cleaned.get("source_type") or "",
                content=cleaned.get("content"), data=cleaned["data"],
                filename=cleaned["filename"] or self.instance.filename,
            )
        except ConversationsError as error:
            field = _FORM_FIELD.get(error.field)
            if field in self.fields:
                self.add_error(field, error.message)
            else:
                raise forms.ValidationError(error.message) from None
        return cleaned


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page. Who may see the parent (the workspace scoping
    decides) may see them; nobody edits them here."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PassageInline(ReadOnlyInline):
    model = Passage
    fields = ("position", "heading", "question", "text", "has_vector")
    readonly_fields = fields
    verbose_name_plural = "Passages (what the chatbot answers from; rebuilt on every save)"

    @admin.display(boolean=True, description="Vector")
    def has_vector(self, passage) -> bool:
        """Whether the worker has computed the sentence model's vector of the passage."""
        return passage.embedding is not None


class ServiceWritesModelAdmin(admin.ModelAdmin):
    """Saves and deletes go through the conversations services."""

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        arguments = {
            "title": data.get("title") or "", "source_type": data["source_type"],
            "content": data.get("content"), "data": data.get("data"),
            "filename": data.get("filename") or "",
        }
        if change:
            document_update(document=obj, **arguments)
        else:
            created = document_create(workspace=obj.workspace, **arguments)
            obj.__dict__.update(created.__dict__)

    def delete_model(self, request, obj):
        document_delete(document=obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            document_delete(document=document)


@admin.register(Document)
class DocumentAdmin(WorkspaceScopedAdminMixin, ServiceWritesModelAdmin):
    form = DocumentForm
    list_display = ("title", "source_type", "size", "passage_count", "workspace", "updated_at")
    list_filter = ("source_type",)
    search_fields = ("title", "public_id")
    readonly_fields = ("public_id", "size", "filename", "created_at", "updated_at")
    inlines = [PassageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(passage_total=Count("passages"))

    @admin.display(description="Passages", ordering="passage_total")
    def passage_count(self, obj):
        return obj.passage_total

    def get_fields(self, request, obj=None):
        fields = ["title", "source_type", "content", "upload"]
        if obj is None:
            fields.insert(0, "workspace")
        return [*fields, *self.readonly_fields]


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "role", "text", "confidence", "sources", "public_id")
    readonly_fields = fields


class ReadOnlyAdmin(WorkspaceScopedAdminMixin, admin.ModelAdmin):
    """Written only by the chat; operators look."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "end_user", "status", "channel", "escalation_reason",
                    "started_at", "ended_at", "workspace")
    list_filter = ("status", "channel", "escalation_reason", "end_reason")
    search_fields = ("public_id", "end_user__user_id", "end_user__email", "end_user__name")
    date_hierarchy = "started_at"
    list_select_related = ("end_user", "workspace")
    fields = ("public_id", "workspace", "end_user", "status", "channel", "started_at",
              "last_activity_at", "escalated_at", "escalation_reason", "ended_at", "end_reason")
    readonly_fields = fields
    inlines = [MessageInline]


class ConversationInline(ReadOnlyInline):
    model = Conversation
    fields = ("public_id", "status", "started_at", "ended_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(EndUser)
class EndUserAdmin(ReadOnlyAdmin):
    list_display = ("user_id", "name", "email", "first_seen_at", "last_seen_at", "workspace")
    search_fields = ("user_id", "name", "email")
    fields = ("user_id", "workspace", "name", "email", "metadata", "last_page",
              "first_seen_at", "last_seen_at")
    readonly_fields = fields
    inlines = [ConversationInline]

"""Documents and their passages, end users, conversations and messages."""
from django.db import models
from django.utils import timezone

from metachat.ids import PublicIdField, new_public_id
from metachat.workspaces.models import Workspace


class Document(models.Model):
    """A piece of a workspace's knowledge base; the chatbot answers from its passages."""

    class SourceType(models.TextChoices):
        TEXT = "text", "Plain text"
        MARKDOWN = "markdown", "Markdown"
        HTML = "html", "HTML"
        PDF = "pdf", "PDF"

    public_id = PublicIdField("doc")
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="documents",
        help_text="The workspace whose chatbot answers from this document.",
    )
    title = models.CharField(max_length=200, help_text="Shown in answers' sources.")
    source_type = models.CharField(
        max_length=16, choices=SourceType.choices, default=SourceType.TEXT,
        help_text="How the content is written; it decides how it is split into passages.",
    )
    content = models.TextField(
        help_text="The document's text (for a PDF, the text read out of it).",
    )
    size = models.PositiveIntegerField(
        default=0, help_text="Size in bytes of what was written or uploaded.",
    )
    filename = models.CharField(
        max_length=255, blank=True, help_text="The uploaded file's name, if it was uploaded.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "created_at"], name="document_ws_created")]

    def __str__(self) -> str:
        return self.title


class Passage(models.Model):
    """A self-contained piece of a document: a heading with its text, a question with its
    answer. The answer engine ranks these."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="passages")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="passages")
    position = models.PositiveIntegerField(help_text="Order within the document.")
    heading = models.CharField(max_length=500, blank=True)
    question = models.CharField(max_length=1000, blank=True)
    text = models.TextField()
    embedding = models.BinaryField(
        null=True, blank=True, editable=False,
        help_text="The passage's meaning as the sentence model sees it (float16 vector), "
        "computed by a worker after the document is saved; empty until then.",
    )
    embedding_model = models.CharField(
        max_length=64, blank=True, editable=False,
        help_text="The sentence model that computed the embedding.",
    )

    class Meta:
        ordering = ["document_id", "position"]
        indexes = [models.Index(fields=["workspace", "document"], name="passage_ws_document")]

    def __str__(self) -> str:
        return self.question or self.heading or self.text[:60]


class KnowledgeBase(models.Model):
    """One per workspace: a version stamp bumped whenever its documents change, so every
    process knows when its in-memory index is stale."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="knowledge_base",
    )
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"knowledge base of {self.workspace_id} v{self.version}"


def new_user_id() -> str:
    return new_public_id("user")


class EndUser(models.Model):
    """Someone who chats with the bot: `user_…`, or the id the customer's system gave them."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="end_users",
        help_text="The workspace whose chatbot this person talks to.",
    )
    user_id = models.CharField(
        max_length=64, default=new_user_id,
        help_text="The id used in the API and events: the customer's own id, or user_… .",
    )
    name = models.CharField(max_length=200, blank=True, help_text="As given by the client.")
    email = models.EmailField(blank=True, help_text="As given by the client.")
    metadata = models.JSONField(
        default=dict, blank=True, help_text="Anything else the client told us about them.",
    )
    last_page = models.CharField(
        max_length=2000, blank=True, help_text="The page where they last opened the chat.",
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        verbose_name = "end user"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user_id"], name="enduser_unique_id"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.user_id


class Conversation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ESCALATED = "escalated", "Escalated to a person"
        ENDED = "ended", "Ended"

    class Channel(models.TextChoices):
        API = "api", "API"
        WIDGET = "widget", "Widget"

    class EndReason(models.TextChoices):
        ENDED_BY_USER = "ended_by_user", "Ended by the user or the client"
        IDLE_TIMEOUT = "idle_timeout", "No message within the idle timeout"

    class EscalationReason(models.TextChoices):
        LOW_CONFIDENCE = "low_confidence", "The chatbot was not confident"
        USER_REQUESTED = "user_requested", "The user asked for a person"

    # Unique per workspace, not across them: a client may name its conversations itself
    # (`conversationId` on POST /v1/chat), and two workspaces may pick the same name.
    public_id = PublicIdField(
        "conv", unique=False, max_length=64,
        help_text="Public id, used in the API: conv_… , or the id the client chose.",
    )
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="conversations",
        help_text="The workspace the conversation belongs to.",
    )
    end_user = models.ForeignKey(
        EndUser, on_delete=models.CASCADE, related_name="conversations",
        help_text="Who is chatting.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.API)
    started_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(
        default=timezone.now, help_text="The last message; the idle timeout counts from here.",
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_reason = models.CharField(
        max_length=32, choices=EscalationReason.choices, blank=True,
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "started_at"], name="conversation_ws_started"),
            models.Index(fields=["workspace", "status", "last_activity_at"],
                         name="conversation_ws_status_active"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "public_id"],
                                    name="conversation_unique_public_id"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return max(0, round((self.ended_at - self.started_at).total_seconds()))


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        BOT = "bot", "Chatbot"

    public_id = PublicIdField("msg")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="messages")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages",
    )
    role = models.CharField(max_length=8, choices=Role.choices)
    text = models.TextField()
    confidence = models.FloatField(
        null=True, blank=True, help_text="The chatbot's confidence in its answer, 0 to 1.",
    )
    sources = models.JSONField(
        default=list, blank=True, help_text="Documents the answer came from.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["workspace", "conversation", "created_at"],
                         name="message_ws_conv_created"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:60]}"

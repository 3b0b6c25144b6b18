"""API shapes of chat, sessions, conversations and documents (snake_case here, camelCase on
the wire)."""
import json
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from conversations.models import Conversation, Document, Message
from conversations.services import MESSAGE_MAX_CHARS
from metachat.api import serializers

USER_INFO_MAX_BYTES = 8 * 1024
USER_INFO_MAX_DEPTH = 5


def _depth(value) -> int:
    """How deeply objects and lists nest in `value` (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= USER_INFO_MAX_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
    return deepest


def _user_info(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise serializers.ValidationError("Must be an object such as {\"name\": \"Ada\"}.")
    if _depth(value) > USER_INFO_MAX_DEPTH:
        raise serializers.ValidationError(
            f"Must not nest objects or lists more than {USER_INFO_MAX_DEPTH} levels deep."
        )
    encoded = json.dumps(value, default=str)
    if len(encoded) > USER_INFO_MAX_BYTES:
        raise serializers.ValidationError(f"Must be under {USER_INFO_MAX_BYTES} bytes of JSON.")
    if "\\u0000" in encoded:
        raise serializers.ValidationError("Must not contain NUL characters.")
    return value


class ChatRequestSerializer(serializers.Serializer):
    tenant_id = serializers.CharField(
        required=False, help_text="Your workspace id (optional; must be the key's workspace).",
    )
    message = serializers.CharField(
        max_length=MESSAGE_MAX_CHARS, help_text="What the user wrote (1–4,000 characters).",
    )
    conversation_id = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=64,
        help_text="Continue this conversation; an id the workspace has not seen starts one "
        "with that id (1–64 of A-Z a-z 0-9 _ . : @ + -); leave out for a new conv_… .",
    )
    user_id = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=64,
        help_text="Your own id for the user; a user_… id is made when left out.",
    )
    user = serializers.JSONField(
        required=False, allow_null=True, validators=[_user_info],
        help_text="What you know about the user: name, email and any other fields.",
    )


class SourceSerializer(serializers.Serializer):
    document_id = serializers.CharField()
    title = serializers.CharField()
    score = serializers.FloatField()


class ChatReplySerializer(serializers.Serializer):
    """The reply to POST /v1/chat (the guide's example reads `data.data.message`)."""

    message = serializers.CharField(help_text="The chatbot's answer.")
    conversation_id = serializers.CharField()
    message_id = serializers.CharField(help_text="msg_… id of the chatbot's answer.")
    confidence = serializers.FloatField(help_text="0 to 1.")
    escalated = serializers.BooleanField(
        help_text="True when the chatbot handed over to a person instead of answering.",
    )
    sources = SourceSerializer(many=True)

    @staticmethod
    def from_reply(reply) -> dict:
        return {
            "message": reply.reply.text,
            "conversation_id": reply.conversation.public_id,
            "message_id": reply.reply.public_id,
            "confidence": reply.reply.confidence,
            "escalated": reply.escalated,
            "sources": reply.reply.sources,
        }


class SessionRequestSerializer(serializers.Serializer):
    tenant_id = serializers.CharField(required=False)
    user_id = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                    max_length=64)
    user = serializers.JSONField(required=False, allow_null=True, validators=[_user_info])
    page = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="The page where the chat was opened.")


class WidgetSessionRequestSerializer(serializers.Serializer):
    user = serializers.JSONField(required=False, allow_null=True, validators=[_user_info],
                                 help_text="name, email and other details of the visitor.")
    page = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="The page where the chat was opened.")


class WidgetMessageRequestSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=MESSAGE_MAX_CHARS)
    conversation_id = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=64,
        help_text="The visitor's conversation to continue; leave out to start one.",
    )
    user = serializers.JSONField(required=False, allow_null=True, validators=[_user_info])


class EndUserSerializer(serializers.Serializer):
    user_id = serializers.CharField()
    user = serializers.SerializerMethodField()
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()

    def get_user(self, end_user) -> dict:
        from conversations.events import user_info

        return user_info(end_user)


class MessageSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    sources = SourceSerializer(many=True)

    class Meta:
        model = Message
        fields = ["id", "role", "text", "confidence", "sources", "created_at"]
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    user_id = serializers.CharField(source="end_user.user_id")
    duration = serializers.IntegerField(
        source="duration_seconds", allow_null=True,
        help_text="Seconds from start to end, once ended.",
    )
    message_count = serializers.IntegerField()
    # "" until the conversation escalates or ends: declared so the schema's enum says so.
    escalation_reason = serializers.ChoiceField(
        choices=Conversation.EscalationReason.choices, allow_blank=True, read_only=True,
    )
    end_reason = serializers.ChoiceField(
        choices=Conversation.EndReason.choices, allow_blank=True, read_only=True,
    )

    class Meta:
        model = Conversation
        fields = [
            "id", "user_id", "status", "channel", "started_at", "last_activity_at",
            "escalated_at", "escalation_reason", "ended_at", "end_reason", "duration",
            "message_count",
        ]
        read_only_fields = fields


class ConversationDetailSerializer(ConversationSerializer):
    messages = MessageSerializer(many=True, source="ordered_messages")

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages"]
        read_only_fields = fields


def _moment(value: str, *, name: str):
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is not None:
                moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    except ValueError:  # well formed but impossible, such as 2025-13-45
        moment = None
    if moment is not None:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, UTC)
        try:
            moment = moment.astimezone(UTC)  # years 1 and 9999 overflow here
        except OverflowError:
            moment = None
    if moment is None:
        raise serializers.ValidationError(
            {name: ["Use an ISO 8601 date or date-time, e.g. 2025-01-15 or "
                    "2025-01-15T10:30:00Z."]}
        )
    return moment


class ConversationFilterSerializer(serializers.Serializer):
    since = serializers.CharField(required=False)
    until = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=Conversation.Status.values, required=False)
    user_id = serializers.CharField(required=False, max_length=64)

    def validate(self, attrs):
        for name in ("since", "until"):
            if attrs.get(name):
                attrs[name] = _moment(attrs[name], name=name)
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": ["Must not be before since."]})
        return attrs


class DocumentSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    size = serializers.IntegerField(help_text="Bytes written or uploaded.")
    passage_count = serializers.IntegerField(
        help_text="How many passages the chatbot answers from.",
    )

    class Meta:
        model = Document
        fields = ["id", "title", "source_type", "size", "filename", "passage_count",
                  "created_at", "updated_at"]
        read_only_fields = fields


class DocumentDetailSerializer(DocumentSerializer):
    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "content"]
        read_only_fields = fields


class DocumentCreateSerializer(serializers.Serializer):
    """JSON `{title, content, sourceType}`, or multipart with a `file`."""

    tenant_id = serializers.CharField(required=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                  help_text="Defaults to the uploaded file's name.")
    source_type = serializers.ChoiceField(
        choices=Document.SourceType.choices, required=False,
        help_text="text, markdown or html for written content; for an upload, taken from "
        "the file name when left out (pdf, md, html, txt).",
    )
    content = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                    help_text="The document's text (JSON requests).")
    file = serializers.FileField(required=False, help_text="A PDF, Markdown, HTML or text file.")

    def validate(self, attrs):
        if attrs.get("file") is None and not (attrs.get("content") or "").strip():
            raise serializers.ValidationError(
                {"content": ["Send the document's text as content, or upload a file."]}
            )
        if attrs.get("file") is None and attrs.get("source_type") == Document.SourceType.PDF:
            raise serializers.ValidationError(
                {"source_type": ["A PDF must be uploaded as a file (multipart/form-data)."]}
            )
        return attrs

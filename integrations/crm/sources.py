"""The Meta Chat data a CRM record can carry (source fields), read from an event."""
from dataclasses import dataclass

from django.db import models

from metachat.events.catalogue import EventType


class SourceField(models.TextChoices):
    CONVERSATION_ID = "conversation_id", "Conversation ID"
    USER_ID = "user_id", "User ID"
    USER_NAME = "user_name", "User name"
    USER_EMAIL = "user_email", "User email"
    USER_MESSAGE = "user_message", "User message"
    BOT_RESPONSE = "bot_response", "Chatbot response"
    TRANSCRIPT = "transcript", "Full transcript"
    TIMESTAMP = "timestamp", "Timestamp"
    DURATION = "duration", "Duration (seconds)"
    MESSAGE_COUNT = "message_count", "Message count"
    CONFIDENCE = "confidence", "Confidence score"
    ESCALATION_REASON = "escalation_reason", "Escalation reason"
    END_REASON = "end_reason", "End reason"
    EVENT_TYPE = "event_type", "Event type"
    EVENT_ID = "event_id", "Event ID"


@dataclass(frozen=True)
class ConversationDetails:
    """What the conversations app knows beyond an event's payload."""

    user_name: str = ""
    user_email: str = ""
    user_message: str = ""
    bot_response: str = ""
    confidence: float | None = None
    transcript: str = ""


TRANSCRIPT_MAX_CHARS = 30_000  # under Salesforce's 32k long-text fields


def conversation_details(*, workspace, conversation_id: str) -> ConversationDetails:
    """The conversation's user, last exchange and transcript (latest messages kept when it
    is longer than TRANSCRIPT_MAX_CHARS); empty for an unknown or another workspace's id."""
    from conversations.models import Message
    from conversations.selectors import conversation_for_workspace

    conversation = conversation_for_workspace(workspace=workspace, conversation_id=conversation_id)
    if conversation is None:
        return ConversationDetails()
    messages = list(
        Message.objects.filter(workspace_id=conversation.workspace_id, conversation=conversation)
        .order_by("created_at", "pk").values_list("role", "text", "confidence")
    )
    lines = [
        f"{'User' if role == Message.Role.USER else 'Bot'}: {text}"
        for role, text, _ in messages
    ]
    transcript = "\n".join(lines)
    if len(transcript) > TRANSCRIPT_MAX_CHARS:
        transcript = "…" + transcript[-(TRANSCRIPT_MAX_CHARS - 1):]
    last_user = next((m for m in reversed(messages) if m[0] == Message.Role.USER), None)
    last_bot = next((m for m in reversed(messages) if m[0] == Message.Role.BOT), None)
    return ConversationDetails(
        user_name=conversation.end_user.name,
        user_email=conversation.end_user.email,
        user_message=last_user[1] if last_user else "",
        bot_response=last_bot[1] if last_bot else "",
        confidence=last_bot[2] if last_bot else None,
        transcript=transcript,
    )


def source_values(*, workspace, payload: dict) -> dict:
    """Every source field's value for one event payload (the guide's envelope)."""
    data = payload.get("data") or {}
    user = data.get("user") if isinstance(data.get("user"), dict) else {}
    event_type = payload.get("event", "")
    details = ConversationDetails()
    if data.get("conversationId"):
        details = conversation_details(
            workspace=workspace, conversation_id=data["conversationId"]
        )
    values = {
        SourceField.CONVERSATION_ID: data.get("conversationId", ""),
        SourceField.USER_ID: data.get("userId", ""),
        SourceField.USER_NAME: user.get("name") or data.get("userName") or details.user_name,
        SourceField.USER_EMAIL: user.get("email") or data.get("userEmail") or details.user_email,
        SourceField.USER_MESSAGE: data.get("message") or details.user_message,
        SourceField.BOT_RESPONSE: data.get("response") or details.bot_response,
        SourceField.TIMESTAMP: payload.get("timestamp", ""),
        SourceField.DURATION: data.get("duration"),
        SourceField.MESSAGE_COUNT: data.get("messageCount"),
        SourceField.CONFIDENCE: (
            data["confidence"] if data.get("confidence") is not None else details.confidence
        ),
        SourceField.ESCALATION_REASON: (
            data.get("reason", "") if event_type == EventType.ESCALATION_TRIGGERED else ""
        ),
        SourceField.END_REASON: (
            data.get("reason", "") if event_type == EventType.CONVERSATION_ENDED else ""
        ),
        SourceField.EVENT_TYPE: event_type,
        SourceField.EVENT_ID: payload.get("id", ""),
    }
    values[SourceField.TRANSCRIPT] = (
        data.get("transcript") or details.transcript or _summary(values)
    )
    return {str(key): value for key, value in values.items()}


def _summary(values: dict) -> str:
    """A readable stand-in for the transcript from what the event itself carries."""
    lines = []
    if values[SourceField.USER_MESSAGE]:
        lines.append(f"User: {values[SourceField.USER_MESSAGE]}")
    if values[SourceField.BOT_RESPONSE]:
        lines.append(f"Bot: {values[SourceField.BOT_RESPONSE]}")
    if not lines and values[SourceField.CONVERSATION_ID]:
        facts = [f"Conversation {values[SourceField.CONVERSATION_ID]}"]
        if values[SourceField.DURATION] is not None:
            facts.append(f"lasted {values[SourceField.DURATION]} s")
        if values[SourceField.MESSAGE_COUNT] is not None:
            facts.append(f"{values[SourceField.MESSAGE_COUNT]} messages")
        if values[SourceField.END_REASON]:
            facts.append(f"ended: {values[SourceField.END_REASON]}")
        lines.append(", ".join(facts) + ".")
    return "\n".join(lines)

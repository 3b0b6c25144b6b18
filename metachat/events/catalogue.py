"""The event types a workspace emits, named as in the product guide.

Payload builders live with the code that publishes each event; the shape of every
payload is the guide's envelope `{"id", "event", "timestamp", "data"}` with camelCase
fields in `data`.
"""
from django.db import models


class EventType(models.TextChoices):
    CONVERSATION_CREATED = "conversation.created", "Conversation created"
    MESSAGE_SENT = "message.sent", "Message sent"
    CONVERSATION_ENDED = "conversation.ended", "Conversation ended"
    USER_STARTED = "user.started", "User started"
    ESCALATION_TRIGGERED = "escalation.triggered", "Escalation triggered"


# What each event's `data` holds, for the API docs and the README.
DATA_FIELDS: dict[str, dict[str, str]] = {
    EventType.CONVERSATION_CREATED: {
        "conversationId": "conv_… id of the new conversation",
        "userId": "the end user's id",
    },
    EventType.MESSAGE_SENT: {
        "conversationId": "conv_… id",
        "userId": "the end user's id",
        "message": "what the user asked",
        "response": "what the chatbot answered",
        "confidence": "the answer's confidence, 0 to 1",
    },
    EventType.CONVERSATION_ENDED: {
        "conversationId": "conv_… id",
        "userId": "the end user's id",
        "duration": "seconds from start to end",
        "messageCount": "messages exchanged",
        "reason": "why it ended: ended_by_user (the client ended it) or idle_timeout",
    },
    EventType.USER_STARTED: {
        "userId": "the end user's id",
        "user": "the user's info: name, email and any other fields the client sent",
        "timestamp": "when the user opened the chat (ISO 8601, UTC)",
    },
    EventType.ESCALATION_TRIGGERED: {
        "conversationId": "conv_… id",
        "userId": "the end user's id",
        "reason": "low_confidence or user_requested",
        "confidence": "the confidence that led to it, 0 to 1",
        "message": "the user's message that triggered it",
    },
}


# When each event fires, as the product guide puts it.
TRIGGERED_WHEN: dict[str, str] = {
    EventType.CONVERSATION_CREATED: "A new conversation starts (the first message of a chat).",
    EventType.MESSAGE_SENT: "The chatbot answers a user's message.",
    EventType.CONVERSATION_ENDED: "A conversation closes: ended through the API or after the "
    "workspace's idle timeout (then its end is its last message).",
    EventType.USER_STARTED: "A user opens the chat (POST /v1/sessions).",
    EventType.ESCALATION_TRIGGERED: "The chatbot hands a conversation to a person: its "
    "confidence was below the workspace's threshold, or the user asked for a person. "
    "Once per conversation.",
}

# JSON types of the fields of `data` (everything else is a string).
DATA_TYPES: dict[str, str] = {
    "confidence": "number",
    "duration": "integer",
    "messageCount": "integer",
    "user": "object",
}

# An example `data` of each event, consistent with the guide's webhook example.
EXAMPLES: dict[str, dict] = {
    EventType.CONVERSATION_CREATED: {"conversationId": "conv_abc123", "userId": "user_xyz789"},
    EventType.MESSAGE_SENT: {
        "conversationId": "conv_abc123",
        "userId": "user_xyz789",
        "message": "How long is shipping?",
        "response": "Shipping takes 3-5 business days.",
        "confidence": 0.95,
    },
    EventType.CONVERSATION_ENDED: {
        "conversationId": "conv_abc123",
        "userId": "user_xyz789",
        "duration": 184,
        "messageCount": 6,
        "reason": "ended_by_user",
    },
    EventType.USER_STARTED: {
        "userId": "user_xyz789",
        "user": {"name": "Ada Lovelace", "email": "ada@example.com", "plan": "pro"},
        "timestamp": "2025-01-15T10:29:58.120Z",
    },
    EventType.ESCALATION_TRIGGERED: {
        "conversationId": "conv_abc123",
        "userId": "user_xyz789",
        "reason": "low_confidence",
        "confidence": 0.21,
        "message": "Can I pay with cryptocurrency?",
    },
}


def example_payload(type: str) -> dict:
    """A whole example payload of `type`, as receivers get it."""
    return {
        "id": "evt_2b7k9q4m1x8c5v3n6z0p",
        "event": str(type),
        "timestamp": "2025-01-15T10:30:00.000Z",
        "data": EXAMPLES[type],
    }

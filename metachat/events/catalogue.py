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
        "reason": "why it ended: ended_by_user, idle_timeout, …",
    },
    EventType.USER_STARTED: {
        "userId": "the end user's id",
        "user": "the user's info (name, email, …)",
        "timestamp": "when the user opened the chat",
    },
    EventType.ESCALATION_TRIGGERED: {
        "conversationId": "conv_… id",
        "userId": "the end user's id",
        "reason": "low_confidence or user_requested",
        "confidence": "the confidence that led to it, 0 to 1",
        "message": "the user's message that triggered it",
    },
}

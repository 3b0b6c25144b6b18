"""The payload (`data`) of each event the conversations publish, field for field as in the
product guide; `metachat.events.catalogue` documents them."""
from datetime import UTC

from djangorestframework_camel_case.util import camelize

from conversations.models import Conversation, EndUser, Message
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish


def user_info(end_user: EndUser) -> dict:
    """What the client told us about the user: name, email and any other fields."""
    info = dict(camelize(end_user.metadata or {}))
    info.update({"name": end_user.name, "email": end_user.email})
    return info


def conversation_created_data(conversation: Conversation) -> dict:
    return {
        "conversationId": conversation.public_id,
        "userId": conversation.end_user.user_id,
    }


def message_sent_data(*, conversation: Conversation, question: Message, reply: Message) -> dict:
    return {
        "conversationId": conversation.public_id,
        "userId": conversation.end_user.user_id,
        "message": question.text,
        "response": reply.text,
        "confidence": reply.confidence,
    }


def conversation_ended_data(*, conversation: Conversation, message_count: int) -> dict:
    return {
        "conversationId": conversation.public_id,
        "userId": conversation.end_user.user_id,
        "duration": conversation.duration_seconds,
        "messageCount": message_count,
        "reason": conversation.end_reason,
    }


def user_started_data(*, end_user: EndUser, started_at) -> dict:
    stamp = started_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"userId": end_user.user_id, "user": user_info(end_user), "timestamp": stamp}


def escalation_triggered_data(*, conversation: Conversation, question: Message,
                              confidence: float) -> dict:
    return {
        "conversationId": conversation.public_id,
        "userId": conversation.end_user.user_id,
        "reason": conversation.escalation_reason,
        "confidence": confidence,
        "message": question.text,
    }


def publish(*, workspace, type: EventType, data: dict):
    return event_publish(workspace=workspace, type=type.value, data=data)

"""Reads of conversations for the services and the API."""
from conversations.engine import Turn
from conversations.models import Conversation, Message

HISTORY_TURNS = 10


def conversation_for_workspace(*, workspace, conversation_id: str) -> Conversation | None:
    """The workspace's conversation with this public id, or None (another workspace's too)."""
    if "\x00" in conversation_id:
        return None
    return (
        Conversation.objects.select_related("end_user", "workspace")
        .filter(workspace=workspace, public_id=conversation_id).first()
    )


def conversation_for_visitor(*, workspace, user_id: str,
                             conversation_id: str) -> Conversation | None:
    """The widget conversation with this id if it is this visitor's (`user_id`) own, else
    None: knowing a conversation id is not enough to read it."""
    if not conversation_id or "\x00" in conversation_id:
        return None
    return (
        Conversation.objects.select_related("end_user", "workspace")
        .filter(workspace=workspace, public_id=conversation_id,
                channel=Conversation.Channel.WIDGET, end_user__user_id=user_id)
        .first()
    )


def conversation_history(*, conversation: Conversation | None) -> list[Turn]:
    """The last messages of the conversation, oldest first, for the answer engine."""
    if conversation is None:
        return []
    recent = list(
        Message.objects.filter(workspace_id=conversation.workspace_id, conversation=conversation)
        .order_by("-created_at", "-pk").values_list("role", "text")[:HISTORY_TURNS]
    )
    return [Turn(role=role, text=text) for role, text in reversed(recent)]

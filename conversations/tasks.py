"""Background work on conversations and documents (periodic entries in metachat/celery.py)."""
from celery import shared_task

from conversations.services import passages_embed, unscoped_conversations_end_idle


@shared_task
def end_idle_conversations() -> int:
    """End conversations idle for longer than their workspace's idle timeout."""
    return unscoped_conversations_end_idle()


@shared_task
def embed_document_passages(document_id: int) -> int:
    """Compute the sentence-model vectors of a saved document's passages."""
    return passages_embed(document_id=document_id)

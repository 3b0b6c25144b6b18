"""Periodic work on conversations (scheduled in metachat/celery.py)."""
from celery import shared_task

from conversations.services import unscoped_conversations_end_idle


@shared_task
def end_idle_conversations() -> int:
    """End conversations idle for longer than their workspace's idle timeout."""
    return unscoped_conversations_end_idle()

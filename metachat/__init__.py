"""Meta Chat: a multi-tenant chatbot service and its integrations."""
from metachat.celery import app as celery_app

__all__ = ("celery_app",)

"""The answer engine in use, chosen by `settings.ANSWER_ENGINE` (a dotted class path)."""
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from conversations.engine.base import Answer, AnswerEngine, Source, Turn

__all__ = ["Answer", "AnswerEngine", "Source", "Turn", "get_engine"]

DEFAULT_ENGINE = "conversations.engine.bm25.HybridAnswerEngine"


@cache
def _engine(path: str) -> AnswerEngine:
    return import_string(path)()


def get_engine() -> AnswerEngine:
    return _engine(getattr(settings, "ANSWER_ENGINE", DEFAULT_ENGINE))

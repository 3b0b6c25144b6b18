"""The idle-timeout task runs on a real worker and is on the beat schedule."""
from datetime import timedelta

from django.utils import timezone

from conversations.models import Conversation
from conversations.tasks import end_idle_conversations
from metachat.celery import BEAT_SCHEDULE
from metachat.events.models import Event
from tests.factories import ConversationFactory
from tests.helpers import wait_until


def test_beat_runs_the_idle_timeout_every_minute():
    entry = BEAT_SCHEDULE["end-idle-conversations"]

    assert entry["task"] == end_idle_conversations.name
    assert entry["schedule"] == 60.0


def test_a_worker_ends_idle_conversations(workspace, celery_worker):
    long_ago = timezone.now() - timedelta(hours=2)
    idle = ConversationFactory(workspace=workspace, started_at=long_ago,
                               last_activity_at=long_ago)
    fresh = ConversationFactory(workspace=workspace)

    end_idle_conversations.delay()

    wait_until(lambda: Conversation.objects.get(pk=idle.pk).status == "ended", timeout=30)
    assert Conversation.objects.get(pk=fresh.pk).status == "open"
    event = Event.objects.get(type="conversation.ended")
    assert event.payload["data"]["reason"] == "idle_timeout"
    assert event.payload["data"]["duration"] == 0

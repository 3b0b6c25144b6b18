"""A real Celery worker runs the product's tasks; the beat schedule is in one place."""
from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from metachat.celery import BEAT_SCHEDULE, app
from metachat.tasks import clear_expired_sessions
from tests.helpers import wait_until


def test_a_real_worker_runs_a_task_sent_through_the_broker(celery_worker):
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    live = SessionStore()
    live.create()

    clear_expired_sessions.delay()

    wait_until(lambda: not Session.objects.filter(session_key=expired.session_key).exists())
    assert Session.objects.filter(session_key=live.session_key).exists()


def test_reliability_defaults_are_on():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_every_scheduled_task_exists():
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks

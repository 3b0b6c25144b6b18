"""The Celery application and the whole beat schedule."""
import os
import sys

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun

from metachat import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metachat.settings")
broker.install()

app = Celery("metachat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery's Django fix-up closes every database connection before and after each task, so
# every task would open a new one (about 5 ms on PostgreSQL, more than most tasks' queries).
# Django's own rule decides instead: connections live for CONN_MAX_AGE and are dropped when
# broken or inside a failed transaction.
app.conf.CELERY_DB_REUSE_MAX = sys.maxsize


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs) -> None:
    from django.db import close_old_connections

    close_old_connections()


# Every periodic task of the product, in one place. django-celery-beat copies these entries
# into its tables at start, where operators see them (admin → Periodic tasks) and can change
# their timing.
BEAT_SCHEDULE = {
    "clear-expired-admin-sessions": {
        "task": "metachat.tasks.clear_expired_sessions",
        "schedule": crontab(minute=17, hour=3),
    },
    # Due retries, deliveries whose worker died, events whose wake-up was lost.
    "sweep-deliveries": {
        "task": "integrations.tasks.sweep_deliveries",
        "schedule": 2.0,
        "options": {"expires": 10},  # a sweep nobody ran in time is replaced by the next
    },
    "end-idle-conversations": {
        "task": "conversations.tasks.end_idle_conversations",
        "schedule": 60.0,
    },
    # Daily reports whose local send time has passed; each is sent once however often this runs.
    "send-due-reports": {
        "task": "integrations.reports.tasks.send_due_reports",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE

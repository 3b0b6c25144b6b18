"""The Celery application and the whole beat schedule."""
import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metachat.settings")

app = Celery("metachat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
}
app.conf.beat_schedule = BEAT_SCHEDULE

"""Wake-ups through the broker, at most one waiting per queue of work.

The database is the truth and the broker only carries wake-ups, so a wake-up is worth
sending only when none is already on its way: `wakeups_request` marks the queues it is
asked for and returns those that had no wake-up waiting (or one so old it must have been
lost), and only those are sent. A worker calls `wakeup_take` before it looks for work, so
work that arrives after that wakes it again.
"""
import contextlib
import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from metachat.events.models import WakeUp

logger = logging.getLogger(__name__)


def wakeups_request(keys: list[str], *, lost_after: float | None = None) -> list[str]:
    """Mark `keys` as woken; return the ones whose wake-up must be sent now: those with none
    on its way, or with one older than `lost_after` seconds (default WAKEUP_LOST_AFTER),
    taken for lost."""
    lost_after = settings.WAKEUP_LOST_AFTER if lost_after is None else lost_after
    return [key for start in range(0, len(keys), 500)
            for key in _request(keys[start:start + 500], lost_after)]


def _request(keys: list[str], lost_after: float) -> list[str]:
    if not keys:
        return []
    now = timezone.now()
    lost_before = now - timedelta(seconds=lost_after)
    table = connection.ops.quote_name(WakeUp._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(keys))
    params = [value for key in keys for value in (key, now)]
    # One statement on PostgreSQL and SQLite alike: insert, or take over a wake-up that was
    # taken (NULL) or lost; a wake-up still on its way is left alone and not returned.
    # (The table name is the model's; every value is a parameter.)
    sql = (
        f"INSERT INTO {table} (key, requested_at) VALUES {rows} "  # noqa: S608
        f"ON CONFLICT (key) DO UPDATE SET requested_at = excluded.requested_at "
        f"WHERE {table}.requested_at IS NULL OR {table}.requested_at < %s "
        f"RETURNING key"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, lost_before])
        return [row[0] for row in cursor.fetchall()]


def wakeup_take(key: str) -> None:
    """A worker took the wake-up of `key`: the next work for it must wake a worker again."""
    WakeUp.objects.filter(key=key).exclude(requested_at=None).update(requested_at=None)


def wakeup_keep(key: str) -> None:
    """A worker is still at the work of `key`: its mark is renewed, so that it is not taken
    for lost (and sent again) while the work goes on."""
    WakeUp.objects.filter(key=key).update(requested_at=timezone.now())


def wakeup_send(key: str, task: str, args: list) -> bool:
    """Send the wake-up of `key` (after `wakeups_request` returned it). When the broker is
    down the mark is taken back, so the next request tries again; the sweeper finds the
    work meanwhile: it only waits."""
    try:
        current_app.send_task(
            task, args=args,
            retry=True, retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception as error:  # the row is the truth; the broker carries wake-ups only
        logger.warning("could not send wake-up %s%s: %s", task, args, error)
        with contextlib.suppress(Exception):  # the database is down too: the mark lapses
            wakeup_take(key)
        return False
    return True

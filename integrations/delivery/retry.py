"""When the next attempt happens: the schedule in settings, jitter, and Retry-After."""
import random
from datetime import datetime, timedelta

from django.conf import settings


def next_attempt_at(*, attempts_made: int, now: datetime, retry_after: float | None = None):
    """The time of the next try after `attempts_made` failed tries, or None when the
    schedule is exhausted and the delivery gives up."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempts_made >= len(schedule):
        return None
    delay = float(schedule[attempts_made])
    # Spread retries so endpoints coming back up are not hit by every delivery at once.
    delay *= 1 + random.uniform(0, settings.WEBHOOK_RETRY_JITTER)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.WEBHOOK_RETRY_AFTER_MAX))
    return now + timedelta(seconds=delay)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())

"""Wake-ups through the broker. The database is the truth: a lost message only delays work."""
import logging

from celery import current_app

logger = logging.getLogger(__name__)

DELIVER_TASK = "integrations.tasks.deliver"
DISPATCH_TASK = "integrations.tasks.dispatch_event"


def enqueue_delivery(delivery) -> bool:
    """Ask a worker to try `delivery` (its next attempt, numbered by attempts made so far)."""
    return _send(DELIVER_TASK, [delivery.pk, delivery.attempt_count])


def enqueue_dispatch(event_pk: int) -> bool:
    return _send(DISPATCH_TASK, [event_pk])


def _send(name: str, args: list) -> bool:
    try:
        current_app.send_task(
            name, args=args,
            retry=True, retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception as error:  # the sweeper finds the row again
        logger.warning("could not queue %s%s: %s", name, args, error)
        return False
    return True

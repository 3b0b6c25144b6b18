"""Wake-ups of the pipeline's workers: one per destination with work, never one per delivery.

The database is the truth: a lost message only delays work (the sweeper finds it).
"""
import logging

from metachat.events.services import dispatch_request
from metachat.events.wakeups import wakeup_send, wakeups_request

logger = logging.getLogger(__name__)

DELIVER_TASK = "integrations.tasks.deliver_destination"
RECOVER_TASK = "integrations.tasks.recover_deliveries"

__all__ = ["destination_key", "dispatch_request", "recovery_key", "wake_destinations",
           "wake_recoveries"]


def destination_key(kind: str, destination_id: int) -> str:
    return f"{kind}:{destination_id}"


def wake_destinations(destinations: list[tuple[str, int]]) -> int:
    """Wake a worker for each (kind, id) that has no wake-up on its way. Returns how many
    were sent."""
    return _wake({destination_key(kind, pk): [kind, pk] for kind, pk in destinations},
                 DELIVER_TASK, "destinations")


def recovery_key(recovery_pk: int) -> str:
    return f"recovery:{recovery_pk}"


def wake_recoveries(recovery_pks: list[int]) -> int:
    return _wake({recovery_key(pk): [pk] for pk in recovery_pks}, RECOVER_TASK, "recoveries")


def _wake(args_by_key: dict[str, list], task: str, what: str) -> int:
    """Send `task` with its arguments for each key that has no wake-up on its way."""
    if not args_by_key:
        return 0
    try:
        to_send = wakeups_request(list(args_by_key))
    except Exception as error:  # the database is down: the sweeper wakes them later
        logger.warning("could not wake %d %s: %s", len(args_by_key), what, error)
        return 0
    return sum(wakeup_send(key, task, args_by_key[key]) for key in to_send)

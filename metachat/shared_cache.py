"""The shared cache (Redis) on the request path fails open: an outage is logged and counted.

Throttles and stamps on the shared cache are conveniences; an API that answers 500 to every
request while Redis restarts is worse than one that briefly stops counting.
"""
import functools
import logging
import time

from prometheus_client import Counter
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What a cache outage raises: redis-py's connection and timeout errors (BusyLoadingError is
# one of the former), and the socket's own when it dies mid-call.
CACHE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)

cache_failures = Counter(
    "metachat_shared_cache_failures",
    "Calls to the shared cache that failed and were let through (fail open), by operation.",
    ["operation"],
)

_LOG_EVERY_SECONDS = 10.0
_last_logged: dict[str, float] = {}


def fail_open(operation: str, *, default):
    """Decorator: when the shared cache cannot be reached, log (at most every 10 s per
    operation), count, and return `default` instead of raising."""

    def decorator(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except CACHE_ERRORS as error:
                cache_failures.labels(operation=operation).inc()
                now = time.monotonic()
                if now - _last_logged.get(operation, -_LOG_EVERY_SECONDS) >= _LOG_EVERY_SECONDS:
                    _last_logged[operation] = now
                    logger.warning("shared cache unavailable, %s let through: %s: %s",
                                   operation, type(error).__name__, error)
                return default

        return wrapper

    return decorator

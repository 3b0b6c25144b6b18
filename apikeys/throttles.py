"""Per-key request rates on the shared cache (Redis when configured)."""
import threading
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from apikeys.models import ApiKey


class ApiKeyRateThrottle(BaseThrottle):
    """Fixed-window counter per key: `ApiKey.rate_limit`, else `API_KEY_THROTTLE_RATE`.

    Counted with atomic cache increments, rather than DRF's stored list of timestamps, so
    requests on several servers are all counted and the cost does not grow with the rate.
    A process takes its share of a window in chunks (1/API_KEY_THROTTLE_CHUNKS of the rate,
    at least one request) and spends it locally, so a busy key costs a round trip to the
    shared cache every few requests, not every request; with several processes a key may
    be refused up to one chunk per process early. A window may let up to twice the rate
    through across its boundary.
    """

    timer = time.time
    cache = cache
    # (key id, window length) -> (window number, requests left of this process's chunk)
    _reserved: dict[tuple[str, int], tuple[int, int]] = {}
    _lock = threading.Lock()

    def __init__(self):
        self._wait = None

    def allow_request(self, request, view):
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return True
        rate = api_key.rate_limit or settings.API_KEY_THROTTLE_RATE
        if not rate:
            return True
        allowed, duration = SimpleRateThrottle.parse_rate(None, rate)
        now = self.timer()
        window = int(now // duration)
        if self._spend_reserved((api_key.public_id, duration), window):
            return True
        chunk = max(1, allowed // settings.API_KEY_THROTTLE_CHUNKS)
        count = self._count(f"apikeys:throttle:{api_key.public_id}:{duration}:{window}",
                            by=chunk, timeout=duration + 5)
        granted = min(chunk, allowed - (count - chunk))  # what of the chunk is within the rate
        if granted >= 1:
            with self._lock:
                self._reserved[(api_key.public_id, duration)] = (window, granted - 1)
            return True
        self._wait = (window + 1) * duration - now
        return False

    def _spend_reserved(self, slot: tuple[str, int], window: int) -> bool:
        with self._lock:
            reserved_window, left = self._reserved.get(slot, (None, 0))
            if reserved_window != window or left < 1:
                return False
            self._reserved[slot] = (window, left - 1)
            return True

    def _count(self, cache_key: str, *, by: int, timeout: int) -> int:
        """Add `by` to the window's counter and return it."""
        client = self._redis_client(cache_key)
        if client is not None:
            # One round trip (Django's incr() costs two, add+incr three): INCRBY creates the
            # counter, EXPIRE lets the window's key go once it is over.
            key = self.cache.make_and_validate_key(cache_key)
            pipe = client.pipeline(transaction=False)
            pipe.incrby(key, by)
            pipe.expire(key, timeout)
            count, _ = pipe.execute()
            return count
        if self.cache.add(cache_key, by, timeout=timeout):
            return by
        try:
            return self.cache.incr(cache_key, by)
        except ValueError:  # the window's key expired between add and incr
            self.cache.add(cache_key, by, timeout=timeout)
            return by

    def _redis_client(self, cache_key: str):
        """The redis-py client behind Django's RedisCache, when that is the cache in use."""
        backend = getattr(self.cache, "_cache", None)  # RedisCache's client wrapper
        get_client = getattr(backend, "get_client", None)
        if get_client is None:
            return None
        # Django builds a new client object per call; one per process is enough (the
        # client is thread-safe and draws connections from the same pool).
        client = getattr(backend, "_apikeys_throttle_client", None)
        if client is None:
            client = get_client(self.cache.make_and_validate_key(cache_key), write=True)
            backend._apikeys_throttle_client = client
        return client

    def wait(self):
        return self._wait

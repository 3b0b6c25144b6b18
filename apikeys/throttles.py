"""Per-key request rates on the shared cache (Redis when configured)."""
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from apikeys.models import ApiKey


class ApiKeyRateThrottle(BaseThrottle):
    """Fixed-window counter per key: `ApiKey.rate_limit`, else `API_KEY_THROTTLE_RATE`.

    An atomic cache increment per request, rather than DRF's stored list of timestamps,
    so concurrent requests on several servers are all counted and the cost does not grow
    with the rate. A window may let up to twice the rate through across its boundary.
    """

    timer = time.time
    cache = cache

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
        cache_key = f"apikeys:throttle:{api_key.public_id}:{duration}:{window}"
        if self.cache.add(cache_key, 1, timeout=duration + 5):
            count = 1
        else:
            try:
                count = self.cache.incr(cache_key)
            except ValueError:  # the window expired between add and incr
                self.cache.add(cache_key, 1, timeout=duration + 5)
                count = 1
        if count <= allowed:
            return True
        self._wait = (window + 1) * duration - now
        return False

    def wait(self):
        return self._wait

"""Request rates of the chat widget: per publishable key, and per visitor IP on each key."""
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from apikeys.models import ApiKey


class _WidgetThrottle(BaseThrottle):
    """A fixed-window counter on the shared cache (Redis when configured), so every server
    counts the same requests."""

    scope = ""
    timer = time.time

    def __init__(self):
        self._wait = None

    def rate(self, api_key: ApiKey) -> str:
        raise NotImplementedError

    def ident(self, request, api_key: ApiKey) -> str:
        raise NotImplementedError

    def allow_request(self, request, view):
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return True
        rate = self.rate(api_key)
        if not rate:
            return True
        allowed, duration = SimpleRateThrottle.parse_rate(None, rate)
        now = self.timer()
        window = int(now // duration)
        ident = self.ident(request, api_key)
        cache_key = f"apikeys:widget:{self.scope}:{ident}:{duration}:{window}"
        if cache.add(cache_key, 1, timeout=duration + 5):
            count = 1
        else:
            try:
                count = cache.incr(cache_key)
            except ValueError:  # the window's key expired between add and incr
                cache.add(cache_key, 1, timeout=duration + 5)
                count = 1
        if count <= allowed:
            return True
        self._wait = (window + 1) * duration - now
        return False

    def wait(self):
        return self._wait


class PublishableKeyRateThrottle(_WidgetThrottle):
    """All visitors of one key together: the key's own rate, else WIDGET_KEY_THROTTLE_RATE."""

    scope = "key"

    def rate(self, api_key):
        return api_key.rate_limit or settings.WIDGET_KEY_THROTTLE_RATE

    def ident(self, request, api_key):
        return api_key.public_id


class VisitorIpRateThrottle(_WidgetThrottle):
    """One visitor's address on one key: WIDGET_VISITOR_THROTTLE_RATE. The address is
    REMOTE_ADDR, or X-Forwarded-For behind NUM_PROXIES proxies (DRF's rule)."""

    scope = "ip"

    def rate(self, api_key):
        return settings.WIDGET_VISITOR_THROTTLE_RATE

    def ident(self, request, api_key):
        return f"{api_key.public_id}:{self.get_ident(request)}"

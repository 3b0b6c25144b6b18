"""Reads of API keys."""
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from apikeys.models import ApiKey

UNUSED_AFTER = timedelta(days=30)


# identifier -> (read at, key or None): each process keeps what it read for
# API_KEY_CACHE_SECONDS, so a busy key costs one query a second, and a revocation, an expiry
# or a change of scopes on any server is honoured everywhere within that time.
_recent: dict[str, tuple[float, ApiKey | None]] = {}
_RECENT_MAX = 10_000


def unscoped_api_key_by_identifier(identifier: str) -> ApiKey | None:
    """The key with this lookup identifier, in any workspace: the key names its workspace."""
    now = time.monotonic()
    seen = _recent.get(identifier)
    if seen is not None and now - seen[0] < settings.API_KEY_CACHE_SECONDS:
        return seen[1]
    try:
        # get() on the unique column: no ORDER BY to compile or run on every request.
        api_key = ApiKey.objects.select_related("workspace").get(identifier=identifier)
    except ApiKey.DoesNotExist:
        api_key = None
    if len(_recent) >= _RECENT_MAX:  # a flood of made-up identifiers must not grow it
        _recent.clear()
    _recent[identifier] = (now, api_key)
    return api_key


def api_key_forget(identifier: str) -> None:
    """Drop this process's copy of a key (after this process changed it)."""
    _recent.pop(identifier, None)


def api_keys_unused(*, queryset: QuerySet | None = None, now=None) -> QuerySet:
    """Keys with no successful request for 30 days (never-used keys count from creation)."""
    queryset = ApiKey.objects.all() if queryset is None else queryset
    cutoff = (now or timezone.now()) - UNUSED_AFTER
    return queryset.filter(
        Q(last_used_at__lt=cutoff) | Q(last_used_at__isnull=True, created_at__lt=cutoff)
    )


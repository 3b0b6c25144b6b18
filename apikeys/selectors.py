"""Reads of API keys."""
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from apikeys.models import ApiKey

UNUSED_AFTER = timedelta(days=30)


def unscoped_api_key_by_identifier(identifier: str) -> ApiKey | None:
    """The key with this lookup identifier, in any workspace: the key names its workspace."""
    try:
        # get() on the unique column: no ORDER BY to compile or run on every request.
        return ApiKey.objects.select_related("workspace").get(identifier=identifier)
    except ApiKey.DoesNotExist:
        return None


def api_keys_unused(*, queryset: QuerySet | None = None, now=None) -> QuerySet:
    """Keys with no successful request for 30 days (never-used keys count from creation)."""
    queryset = ApiKey.objects.all() if queryset is None else queryset
    cutoff = (now or timezone.now()) - UNUSED_AFTER
    return queryset.filter(
        Q(last_used_at__lt=cutoff) | Q(last_used_at__isnull=True, created_at__lt=cutoff)
    )


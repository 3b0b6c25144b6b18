"""Writes to API keys: create, change, revoke, roll, and the last-used stamp."""
import logging
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apikeys import keys
from apikeys.models import ApiKey
from apikeys.origins import origins_normalise
from apikeys.scopes import normalise_scopes
from apikeys.selectors import api_key_forget

logger = logging.getLogger(__name__)

DEFAULT_GRACE_PERIOD = timedelta(hours=24)
MAX_GRACE_PERIOD = timedelta(days=30)
# last_used_at is written at most once per this interval per key, so it stays within a
# minute of the truth without a database write on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


@transaction.atomic
def api_key_create(
    *,
    workspace,
    name: str,
    scopes: list[str] | None = None,
    kind: str = ApiKey.Kind.SECRET,
    allowed_origins: list[str] | None = None,
    created_by=None,
    created_by_key: ApiKey | None = None,
    expires_at: datetime | None = None,
    rate_limit: str = "",
    replace: bool = False,
) -> tuple[ApiKey, str]:
    """Create a key; returns it with its plaintext, which exists only in this return value.

    `replace=True` first revokes the workspace's other keys with the same name. A
    publishable key (`kind="publishable"`) has no scopes and at least one allowed origin.
    """
    now = timezone.now()
    if kind not in ApiKey.Kind.values:
        raise ValidationError({"kind": [f"Must be one of {', '.join(ApiKey.Kind.values)}."]})
    publishable = kind == ApiKey.Kind.PUBLISHABLE
    try:
        allowed_origins = origins_normalise(allowed_origins or [])
    except ValidationError as error:
        raise ValidationError({"allowed_origins": error.messages})
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": ["Must be in the future."]})
    if replace:
        replaced = ApiKey.objects.filter(workspace=workspace, name=name, revoked_at__isnull=True)
        for identifier in replaced.values_list("identifier", flat=True):
            _forget(identifier)
        replaced.update(revoked_at=now)
    new = keys.generate(publishable=publishable)
    api_key = ApiKey(
        workspace=workspace,
        name=name,
        kind=kind,
        allowed_origins=allowed_origins,
        publishable_key=new.plaintext if publishable else "",
        scopes=normalise_scopes(scopes or []),
        identifier=new.identifier,
        key_hash=new.hash,
        created_by=created_by,
        created_by_key=created_by_key,
        created_at=now,
        expires_at=expires_at,
        rate_limit=rate_limit,
    )
    api_key.full_clean(exclude=["identifier", "key_hash"])
    api_key.save()
    logger.info("api key %s created in workspace %s", api_key.public_id, workspace.public_id)
    return api_key, new.plaintext


@transaction.atomic
def api_key_update(
    *, api_key: ApiKey, name: str, scopes: list[str], allowed_origins: list[str],
    expires_at: datetime | None, rate_limit: str,
) -> ApiKey:
    """Rename a key or change what it may do; its kind, workspace and secret stay. Every
    process stops using its copy at once, so narrowed scopes hold from the next request."""
    try:
        api_key.allowed_origins = origins_normalise(allowed_origins or [])
    except ValidationError as error:
        raise ValidationError({"allowed_origins": error.messages})
    api_key.name = name
    api_key.scopes = normalise_scopes(scopes or [])
    api_key.expires_at = expires_at
    api_key.rate_limit = rate_limit
    api_key.full_clean(exclude=["identifier", "key_hash"])
    api_key.save(update_fields=["name", "scopes", "allowed_origins", "expires_at", "rate_limit"])
    _forget(api_key.identifier)
    logger.info("api key %s changed", api_key.public_id)
    return api_key


def _forget(identifier: str) -> None:
    """This process stops using its copy of the key now, and again once the change is
    committed (a request in between may have read the row as it was)."""
    api_key_forget(identifier)
    transaction.on_commit(lambda: api_key_forget(identifier))


def _check_acting_key_covers(*, acting_key: ApiKey | None, api_key: ApiKey) -> None:
    """A key may revoke or roll only keys whose every scope it holds itself; otherwise a
    narrow `keys:write` key could mint (roll) or cut off (revoke) a broader one."""
    if acting_key is None:
        return
    beyond = [scope for scope in api_key.scopes if not acting_key.has_scope(scope)]
    if beyond:
        raise PermissionDenied(
            f"This key cannot act on a key with scopes it lacks: {', '.join(beyond)}."
        )


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, acting_key: ApiKey | None = None) -> ApiKey:
    """Stop the key from working on its next request. Revoking twice changes nothing."""
    _check_acting_key_covers(acting_key=acting_key, api_key=api_key)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        _forget(api_key.identifier)  # the other processes follow within API_KEY_CACHE_SECONDS
        logger.info("api key %s revoked", api_key.public_id)
    return api_key


@transaction.atomic
def api_key_roll(
    *, api_key: ApiKey, grace_period: timedelta = DEFAULT_GRACE_PERIOD,
    created_by=None, created_by_key: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """Replace the key with a new one of the same name, kind, scopes, origins and rate limit.

    The old key keeps working for `grace_period` (so deployed clients can be switched
    over), then expires. Returns the new key and its plaintext.
    """
    _check_acting_key_covers(acting_key=created_by_key, api_key=api_key)
    if grace_period < timedelta(0) or grace_period > MAX_GRACE_PERIOD:
        raise ValidationError(
            {"grace_period": [f"Must be between 0 and {MAX_GRACE_PERIOD.days} days."]}
        )
    # Lock the row so two concurrent rolls cannot both create a successor.
    given, api_key = api_key, ApiKey.objects.select_for_update().get(pk=api_key.pk)
    now = timezone.now()
    if api_key.status_at(now) != ApiKey.Status.ACTIVE:
        raise ValidationError(f"The key is {api_key.status_at(now)}; only active keys roll.")
    if api_key.replaced_by_id is not None:
        raise ValidationError("The key was already rolled; roll its replacement instead.")
    successor, plaintext = api_key_create(
        workspace=api_key.workspace,
        name=api_key.name,
        scopes=api_key.scopes,
        kind=api_key.kind,
        allowed_origins=api_key.allowed_origins,
        created_by=created_by,
        created_by_key=created_by_key,
        expires_at=api_key.expires_at if api_key.expires_at and api_key.expires_at > now else None,
        rate_limit=api_key.rate_limit,
    )
    end_of_grace = now + grace_period
    if api_key.expires_at is None or api_key.expires_at > end_of_grace:
        api_key.expires_at = end_of_grace
    api_key.replaced_by = successor
    api_key.save(update_fields=["expires_at", "replaced_by"])
    _forget(api_key.identifier)
    given.expires_at, given.replaced_by = api_key.expires_at, successor
    logger.info("api key %s rolled to %s", api_key.public_id, successor.public_id)
    return successor, plaintext


def api_key_mark_used(*, api_key: ApiKey, now: datetime) -> None:
    """Record a use, writing only when the stored stamp is a minute old or more.

    The key row was just read to authenticate, so the check costs nothing; the
    conditional UPDATE keeps concurrent requests from all writing at once.
    """
    stale_before = now - LAST_USED_RESOLUTION
    if api_key.last_used_at is not None and api_key.last_used_at > stale_before:
        return
    ApiKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before), pk=api_key.pk
    ).update(last_used_at=now)
    api_key.last_used_at = now

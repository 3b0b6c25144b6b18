"""`Authorization: Bearer mc_live_…`: the API key names the workspace of every request."""
import logging

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from apikeys import keys
from apikeys.errors import (
    CHALLENGE,
    ExpiredKey,
    MalformedKey,
    MissingCredentials,
    RevokedKey,
    UnknownKey,
)
from apikeys.models import ApiKey
from apikeys.publishable import refuse_secret_key_in_browser
from apikeys.selectors import unscoped_api_key_by_identifier
from apikeys.services import api_key_mark_used
from apikeys.tenancy import check_tenant
from apikeys.users import ApiKeyUser

logger = logging.getLogger(__name__)


class ApiKeyAuthentication(BaseAuthentication):
    # Read by metachat.api.permissions.HasWorkspace: no Authorization header at all.
    missing_credentials_error = MissingCredentials

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        plaintext = _bearer_token(header)
        identifier = keys.parse_identifier(plaintext) if plaintext else None
        if identifier is None:
            raise MalformedKey()
        refuse_secret_key_in_browser(request)
        api_key = unscoped_api_key_by_identifier(identifier)
        if api_key is None or not keys.hash_matches(plaintext, api_key.key_hash):
            raise UnknownKey()
        return authenticated_key(request, api_key)

    def authenticate_header(self, request):
        return CHALLENGE


def api_key_usable(api_key: ApiKey, *, now=None) -> ApiKey:
    """The key, if it may make a request now; else the error the API answers with."""
    status = api_key.status_at(now or timezone.now())
    if status == ApiKey.Status.REVOKED:
        raise RevokedKey()
    if status == ApiKey.Status.EXPIRED:
        raise ExpiredKey()
    return api_key


def authenticated_key(request, api_key: ApiKey) -> tuple[ApiKeyUser, ApiKey]:
    """DRF's (user, auth) for a request made with this key, once it is known to be its:
    also used by a key pasted into the browsable API (metachat/api/session.py)."""
    now = timezone.now()
    api_key_usable(api_key, now=now)
    api_key_mark_used(api_key=api_key, now=now)
    check_tenant(request, api_key.workspace)
    return ApiKeyUser(api_key), api_key


def _bearer_token(header: bytes) -> str | None:
    try:
        parts = header.decode("ascii").split()
    except UnicodeDecodeError:
        return None
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]

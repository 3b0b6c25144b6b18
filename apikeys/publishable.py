"""Publishable (widget) keys: `/v1/widget/mc_pub_…/…`, only from the key's allowed origins.

The key is part of the path rather than a header so that a CORS preflight, which carries no
credentials, can already be answered for that key's origins alone.
"""
import logging
import re
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from apikeys import keys
from apikeys.errors import (
    ExpiredKey,
    MalformedPublishableKey,
    OriginNotAllowed,
    RevokedKey,
    SecretKeyInBrowser,
    UnknownKey,
)
from apikeys.models import ApiKey
from apikeys.origins import origin_allowed
from apikeys.selectors import unscoped_api_key_by_identifier
from apikeys.services import api_key_mark_used
from apikeys.users import ApiKeyUser

logger = logging.getLogger(__name__)

WIDGET_PATH = re.compile(r"^/v1/widget/([^/]{1,100})/")
CHALLENGE = 'Bearer realm="widget"'
_UNSET = object()


def publishable_key_lookup(request: HttpRequest, plaintext: str) -> ApiKey | None:
    """The publishable key `plaintext` names (any status), or None; one query per request,
    shared by the CORS check and the authentication."""
    cached = getattr(request, "_metachat_publishable_key", _UNSET)
    if cached is not _UNSET and cached[0] == plaintext:
        return cached[1]
    identifier = keys.parse_publishable_identifier(plaintext)
    api_key = None
    if identifier is not None:
        api_key = unscoped_api_key_by_identifier(identifier)
        if api_key is not None and (
            not api_key.is_publishable or not keys.hash_matches(plaintext, api_key.key_hash)
        ):
            api_key = None
    request._metachat_publishable_key = (plaintext, api_key)
    return api_key


def cors_request_enabled(sender, request: HttpRequest, **kwargs) -> bool:
    """django-cors-headers' `check_request_enabled`: CORS headers go to a widget request only
    when its Origin is one of that active key's allowed origins, and nowhere else."""
    match = WIDGET_PATH.match(request.path_info)
    if match is None:
        return False
    api_key = publishable_key_lookup(request, match.group(1))
    if api_key is None or api_key.status != ApiKey.Status.ACTIVE:
        return False
    return origin_allowed(request.headers.get("Origin"), api_key.allowed_origins)


class PublishableKeyUser(ApiKeyUser):
    """`request.user` for a widget request: a visitor of a web page, not a person we know."""

    def __str__(self) -> str:
        return f"publishable key {self.api_key.public_id}"


class PublishableKeyAuthentication(BaseAuthentication):
    """The publishable key in the URL (`key` route argument), used from an allowed origin."""

    def authenticate(self, request):
        plaintext = (request.parser_context or {}).get("kwargs", {}).get("key") or ""
        if plaintext.startswith(keys.PREFIX):
            raise SecretKeyInBrowser()
        if keys.parse_publishable_identifier(plaintext) is None:
            raise MalformedPublishableKey()
        api_key = publishable_key_lookup(request._request, plaintext)
        if api_key is None:
            raise UnknownKey("This widget key does not exist.")
        now = timezone.now()
        status = api_key.status_at(now)
        if status == ApiKey.Status.REVOKED:
            raise RevokedKey("This widget key was revoked; paste the snippet of a new one.")
        if status == ApiKey.Status.EXPIRED:
            raise ExpiredKey("This widget key has expired; paste the snippet of a new one.")
        origin = request_origin(request)
        if not origin_allowed(origin, api_key.allowed_origins):
            logger.info("widget key %s refused for origin %r", api_key.public_id,
                        (origin or "")[:100])
            raise OriginNotAllowed()
        api_key_mark_used(api_key=api_key, now=now)
        return PublishableKeyUser(api_key), api_key

    def authenticate_header(self, request):
        return CHALLENGE


class IsPublishableKey(BasePermission):
    """Widget endpoints answer publishable keys only."""

    def has_permission(self, request, view):
        api_key = request.auth
        return isinstance(api_key, ApiKey) and api_key.is_publishable


def request_origin(request) -> str | None:
    """The web origin a request came from. Browsers leave Origin out of a same-origin GET,
    and mark such a request `Sec-Fetch-Site: same-origin` (a header pages cannot set)."""
    origin = request.headers.get("Origin")
    if origin:
        return origin
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return f"{request.scheme}://{request.get_host()}"
    return None


def refuse_secret_key_in_browser(request) -> None:
    """A secret key sent by a web page of another origin has leaked into a browser: refuse
    it with a message that says what to use instead. Servers send no Origin header; the
    product's own pages (the API docs) are the same origin."""
    origin = request.headers.get("Origin")
    if not origin:
        return
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:
        netloc = ""
    if netloc and netloc == request.get_host():
        return
    raise SecretKeyInBrowser()


def widget_snippet(*, api_key: ApiKey, script_url: str) -> str:
    """The tag to paste into a web page for this publishable key."""
    return f'<script src="{script_url}" data-key="{api_key.publishable_key}" async></script>'


def widget_script_url(request) -> str:
    """The absolute address of /widget.js on the server that answers `request`."""
    return request.build_absolute_uri("/widget.js")

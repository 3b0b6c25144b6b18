"""The browsable API in a browser: an operator's admin session, or a key pasted on the page.

An operator's session authenticates a `/v1/` request (with Django's CSRF check on every
unsafe method) for one workspace they are a member of: the one named by
`?workspace=ws_…` (the pages' Workspace menu sends it; remembered in the session for the
next pages), else the only one they have. Their role sets the limits: a viewer only reads.
API keys are unaffected: a request with an `Authorization` header is the key's, whatever
the session says.

A developer who is not an operator pastes a secret key into the page's "Use an API key"
form (`browser_key_use`); from then on that browser's requests are the key's — its
workspace, scopes and rate — checked on every request like a header, with CSRF enforced on
unsafe methods, until "Forget key" or the session ends. The session keeps the key's lookup
identifier and a keyed hash of its stored hash, never the key: a session row is no
credential.
"""
from dataclasses import dataclass

from django.contrib import auth, messages
from django.http import HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apikeys import keys
from apikeys.authentication import api_key_usable, authenticated_key
from apikeys.errors import MalformedKey, UnknownKey
from apikeys.models import ApiKey
from apikeys.selectors import unscoped_api_key_by_identifier
from apikeys.tenancy import check_tenant
from metachat.workspaces.models import Membership, Workspace

WORKSPACE_PARAMETER = "workspace"
SESSION_KEY = "metachat_api_workspace"
BROWSER_KEY = "metachat_api_key"  # {"identifier": …, "check": …} of a pasted key
_CHECK_SALT = "metachat.api.session.browser_key"
SHOWN = 10  # workspaces named in the error asking to choose one


@dataclass(frozen=True)
class OperatorSession:
    """`request.auth` of a session request: the workspace chosen and the operator's role."""

    workspace: Workspace
    role: str

    @property
    def can_change(self) -> bool:
        return self.role in (Membership.Role.OWNER, Membership.Role.ADMIN)


class WorkspaceRequired(exceptions.APIException):
    status_code = 400
    default_code = "workspace_required"
    error_code = "workspace_required"


class WorkspaceNotFound(exceptions.NotFound):
    error_code = "not_found"


class ReadOnlyRole(exceptions.PermissionDenied):
    error_code = "read_only_role"


class NeedsApiKey(exceptions.PermissionDenied):
    error_code = "api_key_required"


def _memberships(user) -> dict[str, OperatorSession]:
    """{ws_… id: workspace and role} of the operator's workspaces (a superuser's: all, as
    owner)."""
    if user.is_superuser:
        return {ws.public_id: OperatorSession(workspace=ws, role=Membership.Role.OWNER)
                for ws in Workspace.objects.all()}
    return {
        m.workspace.public_id: OperatorSession(workspace=m.workspace, role=m.role)
        for m in Membership.objects.filter(user=user).select_related("workspace")
    }


def operator_workspace(request, user) -> OperatorSession:
    """The workspace this request of `user` is for, or an error saying how to choose one."""
    chosen = request.query_params.get(WORKSPACE_PARAMETER)
    session = request._request.session
    remembered = session.get(SESSION_KEY)
    mine = _memberships(user)
    if chosen is not None:
        if chosen not in mine:
            raise WorkspaceNotFound(f"You are not a member of a workspace {chosen[:64]!r}.")
        if remembered != chosen:
            session[SESSION_KEY] = chosen
        return mine[chosen]
    if remembered in mine:
        return mine[remembered]
    if len(mine) == 1:
        return next(iter(mine.values()))
    if not mine:
        raise exceptions.PermissionDenied(
            "You are not a member of any workspace; ask an owner to add you in the admin "
            "(Workspaces → Memberships), or use an API key."
        )
    named = [f"{ws.name} ({ws.public_id})" for ws in _by_name(mine)]
    shown = ", ".join(named[:SHOWN]) + (f" and {len(named) - SHOWN} more" if len(named) > SHOWN
                                         else "")
    raise WorkspaceRequired(
        f"You belong to several workspaces; choose one in the Workspace menu of these pages "
        f"or add ?{WORKSPACE_PARAMETER}=ws_… to the URL: {shown}."
    )


def _by_name(mine: dict[str, OperatorSession]) -> list[Workspace]:
    return sorted((operator.workspace for operator in mine.values()),
                  key=lambda ws: (ws.name.lower(), ws.public_id))


def switchable_workspaces(request) -> list[Workspace]:
    """The browsable API's Workspace menu: the operator's workspaces by name, when this
    request is their session's (no key sent or pasted) and they have more than one."""
    authenticator = request.successful_authenticator
    if authenticator is not None and not isinstance(authenticator, OperatorSessionAuthentication):
        return []
    session = getattr(request._request, "session", None)
    if authenticator is None and (request.META.get("HTTP_AUTHORIZATION")
                                  or browser_key_identifier(session)):
        return []
    user = session_operator(request)
    if user is None:
        return []
    mine = _memberships(user)
    return _by_name(mine) if len(mine) > 1 else []


def session_operator(request):
    """The active staff user logged in to this browser's admin session, if any. Read from the
    session: DRF sets `request.user` to None when a request's credentials are refused."""
    user = auth.get_user(request._request)
    return user if user.is_active and user.is_staff else None


class OperatorSessionAuthentication(SessionAuthentication):
    """A staff user's admin session, scoped to one of their workspaces; CSRF enforced."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if user is None or not user.is_active or not user.is_staff:
            return None
        self.enforce_csrf(request)
        operator = operator_workspace(request, user)
        check_tenant(request, operator.workspace)
        return user, operator


class OperatorRolePermission(BasePermission):
    """A session request: viewers only read, and endpoints about API keys themselves
    (`session_allowed = False`) need a key."""

    def has_permission(self, request, view):
        operator = request.auth
        if not isinstance(operator, OperatorSession):
            return True
        if not getattr(view, "session_allowed", True):
            raise NeedsApiKey("This endpoint is about the API key making the request; call "
                              "it with an API key (Authorization: Bearer mc_live_…).")
        if request.method in SAFE_METHODS or operator.can_change:
            return True
        raise ReadOnlyRole("Your role in this workspace is viewer: you may only read.")


class OperatorSessionScheme(OpenApiAuthenticationExtension):
    target_class = "metachat.api.session.OperatorSessionAuthentication"
    name = "AdminSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "cookie", "name": "sessionid",
            "description": "An operator's admin session (browsable API); unsafe methods "
            "also need the X-CSRFToken header.",
        }


class PublishableKeyRefused(exceptions.AuthenticationFailed):
    error_code = "publishable_key"
    default_detail = (
        "This is a publishable key (mc_pub_…): it is made for the chat widget and cannot "
        "call the API. Paste a secret key (mc_live_…)."
    )


def _check(api_key: ApiKey) -> str:
    """A keyed hash of the key's stored hash: tells whether the row still holds the key that
    was pasted, and is worthless to anyone reading the session table."""
    return salted_hmac(_CHECK_SALT, api_key.key_hash, algorithm="sha256").hexdigest()


def _pasted_key(plaintext: str) -> ApiKey:
    """The secret key `plaintext` is, if it may make requests now; else the API's error."""
    if plaintext.startswith(keys.PUBLISHABLE_PREFIX):
        raise PublishableKeyRefused()
    identifier = keys.parse_identifier(plaintext)
    if identifier is None:
        raise MalformedKey("This is not a well-formed Meta Chat API key (mc_live_…). "
                           "Check that it was copied whole.")
    api_key = unscoped_api_key_by_identifier(identifier)
    if api_key is None or api_key.is_publishable or not keys.hash_matches(
            plaintext, api_key.key_hash):
        raise UnknownKey()
    return api_key_usable(api_key)


def browser_key_identifier(session) -> str | None:
    """The lookup identifier of the key pasted in this session, if any."""
    stored = session.get(BROWSER_KEY) if session is not None else None
    return stored.get("identifier") if isinstance(stored, dict) else None


def _back(request) -> HttpResponseRedirect:
    """303 to the page the form was sent from (this site only), else the API root."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("api-root")
    return HttpResponseRedirect(target, status=303)


@require_POST
@csrf_protect
def browser_key_use(request):
    """The "Use an API key" form: check the pasted key as the API would, then remember it."""
    try:
        api_key = _pasted_key(request.POST.get("key", "").strip())
    except exceptions.AuthenticationFailed as refusal:
        messages.error(request, f"{refusal.detail} ({refusal.error_code})")
        return _back(request)
    request.session.cycle_key()  # new credentials, new session id (as a login does)
    rotate_token(request)
    request.session[BROWSER_KEY] = {"identifier": api_key.identifier, "check": _check(api_key)}
    messages.success(request, f"These pages now act as the API key {api_key.prefix} "
                              f"({api_key.name}) of {api_key.workspace.name}.")
    return _back(request)


@require_POST
@csrf_protect
def browser_key_forget(request):
    """The "Forget key" button: this browser's pages stop acting as the pasted key."""
    if request.session.pop(BROWSER_KEY, None) is not None:
        rotate_token(request)
        messages.success(request, "The API key is forgotten: these pages no longer use it.")
    return _back(request)


class BrowserApiKeyAuthentication(SessionAuthentication):
    """A key pasted in the browsable API, read from the session on every request and checked
    as the header's key is (revoked or expired: the same 401); CSRF enforced."""

    def authenticate(self, request):
        session = getattr(request._request, "session", None)  # none without the middleware
        stored = session.get(BROWSER_KEY) if session is not None else None
        if not isinstance(stored, dict):
            return None
        self.enforce_csrf(request)
        api_key = unscoped_api_key_by_identifier(stored.get("identifier", ""))
        if api_key is None or not constant_time_compare(_check(api_key), stored.get("check")):
            raise UnknownKey("The API key pasted on this page no longer exists. Use "
                             "\"Forget key\", or paste another key.")
        return authenticated_key(request, api_key)


class BrowserApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "metachat.api.session.BrowserApiKeyAuthentication"
    name = "BrowserApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "cookie", "name": "sessionid",
            "description": "A secret API key pasted into the browsable API's \"Use an API "
            "key\" form: the session then acts as that key (its workspace, scopes and rate); "
            "unsafe methods also need the X-CSRFToken header.",
        }

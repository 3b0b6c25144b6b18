"""The browsable API for operators logged in to the admin: their session, one workspace.

An operator's session authenticates a `/v1/` request (with Django's CSRF check on every
unsafe method) for one workspace they are a member of: the one named by
`?workspace=ws_…` (remembered in the session for the next pages), else the only one they
have. Their role sets the limits: a viewer only reads. API keys are unaffected: a request
with an `Authorization` header is the key's, whatever the session says.
"""
from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apikeys.tenancy import check_tenant
from metachat.workspaces.models import Membership, Workspace

WORKSPACE_PARAMETER = "workspace"
SESSION_KEY = "metachat_api_workspace"


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


def _memberships(user) -> dict[str, tuple[Workspace, str]]:
    """{ws_… id: (workspace, role)} of the operator's workspaces (a superuser's: all)."""
    if user.is_superuser:
        return {ws.public_id: (ws, Membership.Role.OWNER) for ws in Workspace.objects.all()}
    return {
        m.workspace.public_id: (m.workspace, m.role)
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
        workspace, role = mine[chosen]
        return OperatorSession(workspace=workspace, role=role)
    if remembered in mine:
        workspace, role = mine[remembered]
        return OperatorSession(workspace=workspace, role=role)
    if len(mine) == 1:
        workspace, role = next(iter(mine.values()))
        return OperatorSession(workspace=workspace, role=role)
    if not mine:
        raise exceptions.PermissionDenied(
            "You are not a member of any workspace; ask an owner to add you in the admin "
            "(Workspaces → Memberships), or use an API key."
        )
    shown = ", ".join(sorted(mine)[:10])
    raise WorkspaceRequired(
        f"You belong to several workspaces; add ?{WORKSPACE_PARAMETER}=ws_… to the URL "
        f"(one of: {shown})."
    )


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

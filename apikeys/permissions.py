"""HasScopes: every view declares the scope it needs, and a key without it gets 403."""
import logging

from rest_framework.permissions import BasePermission

from apikeys.errors import InsufficientScope, ScopeNotDeclared
from apikeys.models import ApiKey
from apikeys.scopes import AUTHENTICATED

logger = logging.getLogger(__name__)


def required_scope(view, request) -> str | None:
    """The scope this request needs: `view.required_scopes` is one scope for the whole view,
    or a dict keyed by viewset action (or, on a plain APIView, by lowercase HTTP method)."""
    declared = getattr(view, "required_scopes", None)
    if isinstance(declared, str):
        return declared
    if isinstance(declared, dict):
        action = getattr(view, "action", None) or request.method.lower()
        return declared.get(action)
    return None


class HasScopes(BasePermission):
    def has_permission(self, request, view):
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            # Not an API-key request: HasWorkspace has already decided.
            return True
        scope = required_scope(view, request)
        if scope is None:
            # Fail closed: an endpoint that forgot to declare a scope is refused to every key.
            logger.error(
                "%s declares no required_scopes for %s %s",
                type(view).__name__, request.method, getattr(view, "action", None),
            )
            raise ScopeNotDeclared()
        if scope == AUTHENTICATED or api_key.has_scope(scope):
            return True
        raise InsufficientScope(scope)

"""Base permission: the caller's credentials name a workspace."""
from rest_framework.permissions import BasePermission


class HasWorkspace(BasePermission):
    """Authenticated means: the credentials (an API key) carry a workspace."""

    def has_permission(self, request, view):
        if getattr(request.auth, "workspace", None) is not None:
            return True
        # No credentials at all: the first authenticator may name its own error for that
        # (API keys answer `missing_credentials`); otherwise DRF's not_authenticated.
        if request.successful_authenticator is None and request.authenticators:
            error = getattr(request.authenticators[0], "missing_credentials_error", None)
            if error is not None:
                raise error()
        return False

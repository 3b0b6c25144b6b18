"""Base permission: the caller's credentials name a workspace."""
from rest_framework.permissions import BasePermission


class HasWorkspace(BasePermission):
    """Authenticated means: the credentials (an API key) carry a workspace."""

    def has_permission(self, request, view):
        return getattr(request.auth, "workspace", None) is not None

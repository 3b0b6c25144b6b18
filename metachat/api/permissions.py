"""Base permission: the caller's credentials name a workspace."""
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BrowsableAPIRenderer

# A browser on the browsable API has two ways in besides the header a program sends.
IN_A_BROWSER = ("Paste a secret key into \"Use an API key\" on this page, or log in to the "
                "admin (/admin/) as an operator. Programs send `Authorization: Bearer <key>`.")


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
                in_a_browser = isinstance(getattr(request, "accepted_renderer", None),
                                          BrowsableAPIRenderer)
                raise error(IN_A_BROWSER) if in_a_browser else error()
        return False

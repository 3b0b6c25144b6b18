"""The API's authentication and authorisation failures, each with its own error code."""
from rest_framework import exceptions

CHALLENGE = 'Bearer realm="api"'


class MissingCredentials(exceptions.NotAuthenticated):
    error_code = "missing_credentials"
    default_detail = "Send your API key as `Authorization: Bearer <key>`."


class MalformedKey(exceptions.AuthenticationFailed):
    error_code = "malformed_key"
    default_detail = (
        "The Authorization header is not `Bearer <key>` with a well-formed Meta Chat API key "
        "(mc_live_…). Check that it was copied whole."
    )


class UnknownKey(exceptions.AuthenticationFailed):
    error_code = "unknown_key"
    default_detail = "This API key does not exist."


class RevokedKey(exceptions.AuthenticationFailed):
    error_code = "revoked_key"
    default_detail = (
        "This API key was revoked. Create a new one in the admin (Settings → API keys → Create "
        "new key) or with POST /v1/api-keys."
    )


class ExpiredKey(exceptions.AuthenticationFailed):
    error_code = "expired_key"
    default_detail = (
        "This API key has expired. Create a new one in the admin (Settings → API keys → Create "
        "new key) or with POST /v1/api-keys."
    )


class InsufficientScope(exceptions.PermissionDenied):
    error_code = "insufficient_scope"

    def __init__(self, scope: str):
        super().__init__(f"This API key lacks the scope {scope}, which this request needs.")
        self.scope = scope
        self.auth_header = f'Bearer error="insufficient_scope", scope="{scope}"'


class ScopeNotDeclared(exceptions.PermissionDenied):
    error_code = "insufficient_scope"
    default_detail = "This endpoint declares no scope for this request, so no key may call it."


class TenantMismatch(exceptions.PermissionDenied):
    error_code = "tenant_mismatch"


class MalformedPublishableKey(exceptions.AuthenticationFailed):
    error_code = "malformed_key"
    default_detail = (
        "The widget key is not a well-formed publishable key (mc_pub_…). Copy the snippet "
        "again from the admin (API keys)."
    )


class OriginNotAllowed(exceptions.PermissionDenied):
    error_code = "origin_not_allowed"
    default_detail = (
        "This web page's origin is not among the widget key's allowed origins. Add it to the "
        "key in the admin (API keys → the publishable key → Allowed origins)."
    )


class SecretKeyInBrowser(exceptions.PermissionDenied):
    error_code = "secret_key_in_browser"
    default_detail = (
        "A secret API key (mc_live_…) was sent from a web page. Secret keys are for servers "
        "only: revoke this one, and use a publishable key (mc_pub_…) with the chat widget."
    )

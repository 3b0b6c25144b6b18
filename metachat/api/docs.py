"""/v1/docs/ (Swagger UI) and /v1/redoc/: served from this host alone, and told so.

The bundles come from drf-spectacular-sidecar; the pages' Content-Security-Policy lets the
browser fetch nothing from another host (not Google's fonts, not the logo Redoc links to
cdn.redoc.ly) and run no inline script: Swagger UI's start-up script is its own request
(drf-spectacular's split view), Redoc starts from its `<redoc>` element.
"""
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # both bundles inject their styles inline
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",  # Redoc's search runs in a worker made from a blob
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class SelfHostedDocsMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


class SwaggerView(SelfHostedDocsMixin, SpectacularSwaggerSplitView):
    pass


class RedocView(SelfHostedDocsMixin, SpectacularRedocView):
    pass

"""URLs: the admin, /healthz, /metrics, the REST API under /v1/ and its browser forms."""
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from conversations.widget_api import widget_demo, widget_script
from integrations.dashboard import integrations_dashboard
from integrations.metrics import metrics
from metachat.api.root import ApiRootView
from metachat.api.session import browser_key_forget, browser_key_use
from metachat.api.viewsets import NotFoundView
from metachat.health import healthz

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("integrations.urls")),
    path("", include("apikeys.urls")),
    path("", include("conversations.urls")),
    path("", include("integrations.crm.urls")),
    path("", include("integrations.zapier.urls")),
    path("", include("integrations.reports.urls")),
]

urlpatterns = [
    # The admin's Integrations section opens the dashboard, not the stock list of its models.
    path("admin/integrations/", admin.site.admin_view(integrations_dashboard),
         name="integrations-dashboard"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("widget.js", widget_script, name="widget-script"),
    path("widget/demo", widget_demo, name="widget-demo"),
    # The browsable API's "Use an API key" / "Forget key" forms (metachat/api/session.py).
    path("api-auth/key", browser_key_use, name="browser-key-use"),
    path("api-auth/key/forget", browser_key_forget, name="browser-key-forget"),
    path("v1/", include(api_patterns)),
    re_path(r"^v1(/.*)?$", NotFoundView.as_view()),
]

handler500 = "metachat.api.errors.json_server_error"

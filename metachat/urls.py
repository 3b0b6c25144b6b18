"""URLs: `/` (to the admin), the admin, /healthz, /metrics, the REST API under /v1/, its forms."""
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from conversations.widget_api import widget_demo, widget_script
from integrations.dashboard import integrations_dashboard
from integrations.metrics import metrics
from metachat.api.docs import RedocView, SwaggerView
from metachat.api.root import ApiRootView
from metachat.api.session import browser_key_forget, browser_key_use
from metachat.api.viewsets import NotFoundView
from metachat.health import healthz

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("integrations.urls")),
    path("", include("apikeys.urls")),
    path("", include("conversations.urls")),
    path("", include("integrations.crm.urls")),
    path("", include("integrations.zapier.urls")),
    path("", include("integrations.reports.urls")),
]

urlpatterns = [
    # The site's address (the first line of `make run`'s banner) opens the operators' start
    # page; the admin asks to log in first.
    path("", RedirectView.as_view(pattern_name="integrations-dashboard"), name="home"),
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

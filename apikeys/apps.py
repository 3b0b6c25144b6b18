"""API keys, scopes, and the API's authentication, permissions and throttles."""
from django.apps import AppConfig


class ApiKeysConfig(AppConfig):
    name = "apikeys"
    # The admin section the guide names ("Dashboard → Settings → API Keys").
    verbose_name = "Settings"

    def ready(self):
        from corsheaders.signals import check_request_enabled

        from apikeys import schema  # noqa: F401  (registers the OpenAPI security scheme)
        from apikeys.publishable import cors_request_enabled

        check_request_enabled.connect(cors_request_enabled, dispatch_uid="apikeys.widget_cors")

"""GET /v1/: where a browser starts, the API's collections as links."""
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.scopes import AUTHENTICATED

COLLECTIONS = {
    "me": "me",
    "conversations": "conversation-list",
    "documents": "document-list",
    "webhooks": "webhook-list",
    "deliveries": "delivery-list",
    "events": "event-list",
    "hooks": "hook-list",
    "crm_connections": "crm-connection-list",
    "reports": "report-list",
    "daily_report": "report-daily",
    "api_keys": "api-key-list",
}


class ApiRootView(APIView):
    """The API's collections for the caller's workspace, and where the docs are."""

    name = "Meta Chat API"  # the page's title and first breadcrumb
    required_scopes = AUTHENTICATED

    @extend_schema(exclude=True)
    def get(self, request):
        links = {}
        for name, route in COLLECTIONS.items():
            try:
                links[name] = request.build_absolute_uri(reverse(route))
            except NoReverseMatch:  # a collection no app routes is left out
                continue
        links["docs"] = request.build_absolute_uri(reverse("docs"))
        links["redoc"] = request.build_absolute_uri(reverse("redoc"))
        links["schema"] = request.build_absolute_uri(reverse("schema"))
        return Response({"workspace": request.auth.workspace.public_id, **links})

"""API routes of this app, included under /v1/."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from conversations.api import ChatView, ConversationViewSet, DocumentViewSet, SessionView
from conversations.widget_api import (
    WidgetConfigView,
    WidgetConversationView,
    WidgetMessageView,
    WidgetSessionView,
)

router = SimpleRouter(trailing_slash=False)
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("documents", DocumentViewSet, basename="document")

urlpatterns = [
    path("chat", ChatView.as_view(), name="chat"),
    path("sessions", SessionView.as_view(), name="sessions"),
    path("widget/<str:key>/config", WidgetConfigView.as_view(), name="widget-config"),
    path("widget/<str:key>/sessions", WidgetSessionView.as_view(), name="widget-sessions"),
    path("widget/<str:key>/messages", WidgetMessageView.as_view(), name="widget-messages"),
    path("widget/<str:key>/conversations/<str:conversation_id>",
         WidgetConversationView.as_view(), name="widget-conversation"),
    path("", include(router.urls)),
]

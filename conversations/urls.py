"""API routes of this app, included under /v1/."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from conversations.api import ChatView, ConversationViewSet, DocumentViewSet, SessionView

router = SimpleRouter(trailing_slash=False)
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("documents", DocumentViewSet, basename="document")

urlpatterns = [
    path("chat", ChatView.as_view(), name="chat"),
    path("sessions", SessionView.as_view(), name="sessions"),
    path("", include(router.urls)),
]

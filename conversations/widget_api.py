"""The chat widget's endpoints, `/v1/widget/<publishable key>/…`, and `/widget.js`.

Only publishable keys, from their allowed origins, reach these views; each request says
which visitor it speaks for in headers (X-Visitor-Id, and X-User-Id / X-User-Hash for a
user the customer knows), and a visitor reads only its own conversation.
"""
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.utils.html import escape, format_html
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.publishable import IsPublishableKey, PublishableKeyAuthentication
from apikeys.publishable_throttles import PublishableKeyRateThrottle, VisitorIpRateThrottle
from conversations.api import api_error
from conversations.errors import ConversationsError
from conversations.models import Conversation, Message
from conversations.selectors import conversation_for_visitor
from conversations.serializers import (
    ChatReplySerializer,
    MessageSerializer,
    WidgetMessageRequestSerializer,
    WidgetSessionRequestSerializer,
)
from conversations.services import chat_send, session_start
from conversations.visitors import Visitor, visitor_resolve
from metachat.api.permissions import HasWorkspace

WIDGET_SCRIPT = "metachat/widget.js"
# /widget.js is the one address customers paste; it points at the content-hashed file,
# which is cached for good, so a release reaches every site within this many seconds.
WIDGET_SCRIPT_REDIRECT_MAX_AGE = 300


@require_GET
def widget_script(request):
    """`/widget.js`: a short-lived redirect to this release's widget script."""
    response = HttpResponseRedirect(static(WIDGET_SCRIPT))
    response["Cache-Control"] = f"public, max-age={WIDGET_SCRIPT_REDIRECT_MAX_AGE}"
    return response


DEMO_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Widget demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;">
<h1>A page with the chat widget</h1>
<p>The button at the bottom right is the widget, as your visitors will see it. Its snippet:</p>
<pre style="white-space: pre-wrap">{snippet}</pre>
{tag}
</body></html>"""


@require_GET
def widget_demo(request):
    """`/widget/demo?key=mc_pub_…` (development only, as `make run` prints it): a page that
    embeds the widget, to try it before pasting the snippet anywhere."""
    if not settings.DEBUG:
        raise Http404("The widget demo page exists in development only.")
    key = request.GET.get("key", "")[:100]
    tag = format_html('<script src="{}" data-key="{}" async></script>',
                      request.build_absolute_uri("/widget.js"), key)
    return HttpResponse(format_html(DEMO_PAGE, snippet=escape(tag), tag=tag))


class WidgetView(APIView):
    authentication_classes = [PublishableKeyAuthentication]
    permission_classes = [HasWorkspace, IsPublishableKey]
    throttle_classes = [PublishableKeyRateThrottle, VisitorIpRateThrottle]

    @property
    def workspace(self):
        return self.request.auth.workspace

    def visitor(self, request) -> Visitor:
        try:
            return visitor_resolve(
                workspace=self.workspace,
                visitor_id=request.headers.get("X-Visitor-Id", "").strip(),
                user_id=request.headers.get("X-User-Id", "").strip(),
                user_hash=request.headers.get("X-User-Hash", "").strip(),
            )
        except ConversationsError as error:
            raise api_error(error)


class WidgetConfigView(WidgetView):
    """What the widget shows before the visitor writes: name, greeting, colour."""

    @extend_schema(
        summary="The chat widget's settings", tags=["widget"], auth=[],
        responses=inline_serializer("WidgetConfig", {
            "name": serializers.CharField(), "greeting": serializers.CharField(),
            "colour": serializers.CharField(),
            "identity_verification_required": serializers.BooleanField(),
        }),
    )
    def get(self, request, key):
        workspace = self.workspace
        return Response({
            "name": workspace.widget_title,
            "greeting": workspace.widget_greeting,
            "colour": workspace.widget_colour_or_default,
            "identity_verification_required": workspace.identity_verification_required,
        })


class WidgetSessionView(WidgetView):
    """The visitor opened the widget (once per visit): publishes `user.started`."""

    @extend_schema(
        summary="A visitor opened the chat widget", tags=["widget"], auth=[],
        request=WidgetSessionRequestSerializer,
        responses={201: inline_serializer("WidgetSession", {
            "user_id": serializers.CharField(), "verified": serializers.BooleanField(),
        })},
    )
    def post(self, request, key):
        visitor = self.visitor(request)
        body = WidgetSessionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            end_user = session_start(
                workspace=self.workspace, user_id=visitor.user_id,
                user_info=body.validated_data.get("user"),
                page=body.validated_data.get("page") or "",
            )
        except ConversationsError as error:
            raise api_error(error)
        return Response({"user_id": end_user.user_id, "verified": visitor.verified},
                        status=status.HTTP_201_CREATED)


class WidgetMessageView(WidgetView):
    """The visitor's message, answered in the response, through the normal chat service."""

    @extend_schema(summary="A widget visitor's message", tags=["widget"], auth=[],
                   request=WidgetMessageRequestSerializer, responses=ChatReplySerializer)
    def post(self, request, key):
        visitor = self.visitor(request)
        body = WidgetMessageRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        conversation = None
        if data.get("conversation_id"):
            conversation = _own_conversation(self.workspace, visitor, data["conversation_id"])
        try:
            reply = chat_send(
                workspace=self.workspace, text=data["message"], conversation=conversation,
                user_id=visitor.user_id, user_info=data.get("user"),
                channel=Conversation.Channel.WIDGET,
            )
        except ConversationsError as error:
            raise api_error(error)
        return Response(ChatReplySerializer(ChatReplySerializer.from_reply(reply)).data)


class WidgetConversationView(WidgetView):
    """The visitor's own conversation with its messages (after a reload)."""

    @extend_schema(
        summary="A widget visitor's own conversation", tags=["widget"], auth=[],
        responses=inline_serializer("WidgetConversation", {
            "id": serializers.CharField(), "status": serializers.CharField(),
            "messages": MessageSerializer(many=True),
        }),
    )
    def get(self, request, key, conversation_id):
        conversation = _own_conversation(self.workspace, self.visitor(request), conversation_id)
        messages = Message.objects.filter(
            workspace=self.workspace, conversation=conversation
        ).order_by("created_at", "pk")
        return Response({
            "id": conversation.public_id,
            "status": conversation.status,
            "messages": MessageSerializer(messages, many=True).data,
        })


def _own_conversation(workspace, visitor: Visitor, conversation_id: str) -> Conversation:
    conversation = conversation_for_visitor(workspace=workspace, user_id=visitor.user_id,
                                            conversation_id=conversation_id)
    if conversation is None:
        # Another visitor's conversation is as absent as one that never existed.
        raise NotFound(f"No conversation with id {conversation_id[:64]!r} for this visitor.")
    return conversation



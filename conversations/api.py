"""/v1/chat, /v1/sessions, /v1/conversations and /v1/documents."""
from django.conf import settings
from django.db.models import Count, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.errors import ConversationsError
from conversations.models import Conversation, Document, Message
from conversations.selectors import conversation_for_workspace
from conversations.serializers import (
    ChatReplySerializer,
    ChatRequestSerializer,
    ConversationDetailSerializer,
    ConversationFilterSerializer,
    ConversationSerializer,
    DocumentCreateSerializer,
    DocumentDetailSerializer,
    DocumentSerializer,
    EndUserSerializer,
    SessionRequestSerializer,
)
from conversations.services import (
    chat_send,
    conversation_end,
    document_create,
    document_delete,
    session_start,
    source_type_for_upload,
)
from metachat.api import serializers
from metachat.api.viewsets import WorkspaceScopedViewSet, request_workspace

# Room for the multipart envelope and the other fields around an uploaded file.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


class ServiceRefused(APIException):
    """A conversations service said no; its code and status pass through."""

    def __init__(self, error: ConversationsError):
        self.status_code = error.status
        self.error_code = error.code
        super().__init__(error.message)


def api_error(error: ConversationsError) -> APIException:
    if error.status == 400 and error.field:
        refused = ValidationError({"non_field_errors": [error.message],
                                   error.field: [error.message]})
        refused.error_code = error.code
        return refused
    return ServiceRefused(error)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "document_too_large"
    error_code = "document_too_large"


def _blank_to_none(value):
    return value or None


class ChatView(APIView):
    """Send the user's message; the chatbot answers in the same response."""

    required_scopes = "chat:write"

    @extend_schema(
        request=ChatRequestSerializer, responses={200: ChatReplySerializer},
        summary="Send a message to the chatbot",
        description="Without conversationId a new conversation starts; with an id the "
        "workspace has not seen (1–64 of `A-Z a-z 0-9 _ . : @ + -`), a new conversation "
        "starts with that id, so a client may keep its own ids. Below the workspace's "
        "confidence threshold, or when the user asks for a person, the chatbot hands over "
        "(`escalated: true`) and says a person will follow up.",
    )
    def post(self, request):
        workspace = request_workspace(request)
        body = ChatRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        conversation, new_id = None, None
        if data.get("conversation_id"):
            # An id this workspace has not seen starts a conversation with that id; another
            # workspace's conversation of the same id is never looked at.
            conversation = conversation_for_workspace(
                workspace=workspace, conversation_id=data["conversation_id"],
            )
            if conversation is None:
                new_id = data["conversation_id"]
        try:
            reply = chat_send(
                workspace=workspace, text=data["message"], conversation=conversation,
                user_id=_blank_to_none(data.get("user_id")), user_info=data.get("user"),
                conversation_id=new_id,
            )
        except ConversationsError as error:
            raise api_error(error)
        return Response(ChatReplySerializer(ChatReplySerializer.from_reply(reply)).data)


class SessionView(APIView):
    """A user opened the chat (the widget calls this): publishes `user.started`."""

    required_scopes = "chat:write"

    @extend_schema(request=SessionRequestSerializer, responses={201: EndUserSerializer},
                   summary="Record that a user opened the chat")
    def post(self, request):
        workspace = request_workspace(request)
        body = SessionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            end_user = session_start(
                workspace=workspace, user_id=_blank_to_none(data.get("user_id")),
                user_info=data.get("user"), page=data.get("page") or "",
            )
        except ConversationsError as error:
            raise api_error(error)
        return Response(EndUserSerializer(end_user).data, status=status.HTTP_201_CREATED)


CONVERSATION_FILTERS = [
    OpenApiParameter("since", OpenApiTypes.STR, description="Started at or after this ISO "
                     "8601 date or date-time (a date means midnight UTC)."),
    OpenApiParameter("until", OpenApiTypes.STR, description="Started before this ISO 8601 "
                     "date or date-time. since=2025-01-14&until=2025-01-15 is one day."),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Conversation.Status.values),
    OpenApiParameter("userId", OpenApiTypes.STR, description="Only this user's."),
]


class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          WorkspaceScopedViewSet):
    queryset = Conversation.objects.select_related("end_user").annotate(
        message_count=Count("messages")
    ).order_by("-started_at", "-pk")
    serializer_class = ConversationSerializer
    required_scopes = {
        "list": "conversations:read",
        "retrieve": "conversations:read",
        "end": "conversations:write",
    }

    def get_serializer_class(self):
        if self.action in ("retrieve", "end"):
            return ConversationDetailSerializer
        return ConversationSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("retrieve", "end"):
            queryset = queryset.prefetch_related(Prefetch(
                "messages", queryset=Message.objects.order_by("created_at", "pk"),
                to_attr="ordered_messages",
            ))
        return queryset

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        query = self.request.query_params
        filters = ConversationFilterSerializer(data={
            name: query[key] for name, key in (
                ("since", "since"), ("until", "until"), ("status", "status"),
                ("user_id", "userId"),
            ) if key in query
        })
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        if wanted.get("since"):
            queryset = queryset.filter(started_at__gte=wanted["since"])
        if wanted.get("until"):
            queryset = queryset.filter(started_at__lt=wanted["until"])
        if wanted.get("status"):
            queryset = queryset.filter(status=wanted["status"])
        if wanted.get("user_id"):
            queryset = queryset.filter(end_user__user_id=wanted["user_id"])
        return queryset

    @extend_schema(parameters=CONVERSATION_FILTERS, summary="List conversations, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="A conversation with its messages")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=None, responses=ConversationDetailSerializer,
                   summary="End a conversation (publishes conversation.ended once)")
    @action(detail=True, methods=["post"])
    def end(self, request, id=None):
        conversation_end(conversation=self.get_object())
        return Response(self.get_serializer(self.get_object()).data)


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.DestroyModelMixin, WorkspaceScopedViewSet):
    queryset = Document.objects.annotate(passage_count=Count("passages")).order_by(
        "-created_at", "-pk"
    )
    serializer_class = DocumentSerializer
    required_scopes = {
        "list": "documents:read",
        "retrieve": "documents:read",
        "create": "documents:write",
        "destroy": "documents:write",
    }

    def get_serializer_class(self):
        return DocumentDetailSerializer if self.action == "retrieve" else DocumentSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action == "create":
            # Refuse an oversized body before reading it.
            length = request.META.get("CONTENT_LENGTH") or "0"
            limit = settings.DOCUMENT_MAX_BYTES
            if length.isdigit() and int(length) > limit + UPLOAD_OVERHEAD_BYTES:
                raise PayloadTooLarge(
                    f"The request is {int(length):,} bytes; a document may be at most "
                    f"{limit:,} bytes."
                )

    @extend_schema(
        request={"application/json": DocumentCreateSerializer,
                 "multipart/form-data": DocumentCreateSerializer},
        responses={201: DocumentSerializer,
                   413: inline_serializer("TooLarge", {"error": serializers.DictField()})},
        summary="Add a document (JSON text, or a multipart file upload)",
    )
    def create(self, request):
        body = DocumentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        upload = data.get("file")
        try:
            if upload is not None:
                source_type = data.get("source_type") or source_type_for_upload(upload.name)
                if upload.size > settings.DOCUMENT_MAX_BYTES:
                    raise PayloadTooLarge(
                        f"The file is {upload.size:,} bytes; the limit is "
                        f"{settings.DOCUMENT_MAX_BYTES:,} bytes."
                    )
                document = document_create(
                    workspace=self.workspace, title=data.get("title") or "",
                    source_type=source_type, data=upload.read(), filename=upload.name,
                )
            else:
                document = document_create(
                    workspace=self.workspace, title=data.get("title") or "",
                    source_type=data.get("source_type") or Document.SourceType.TEXT,
                    content=data["content"],
                )
        except ConversationsError as error:
            raise api_error(error)
        document = self.get_queryset().get(pk=document.pk)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        document_delete(document=instance)


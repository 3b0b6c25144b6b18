"""/v1/webhooks, /v1/deliveries and /v1/events: thin views over the services and selectors."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from integrations import selectors, services
from integrations.delivery.services import destination_recover
from integrations.models import Attempt, Delivery, Recovery, Webhook
from metachat.api import serializers
from metachat.api.errors import service_validation_error
from metachat.api.renderers import EnvelopeBrowsableAPIRenderer, VerbatimEnvelopeJSONRenderer
from metachat.api.viewsets import WorkspaceScopedViewSet
from metachat.events.catalogue import EventType
from metachat.events.models import Event


class FilterConditionSerializer(serializers.Serializer):
    field = serializers.CharField(max_length=200, help_text="A field of the event's data.")
    op = serializers.ChoiceField(
        choices=["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains"]
    )
    value = serializers.JSONField()


class WebhookSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    name = serializers.CharField(max_length=200)
    url = serializers.CharField(max_length=2000, help_text="https:// URL receiving POSTs.")
    events = serializers.ListField(
        child=serializers.CharField(max_length=64), allow_empty=False, min_length=1,
        help_text='Event names, or ["*"] for all.',
    )
    filters = FilterConditionSerializer(many=True, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    active = serializers.BooleanField(required=False)
    status = serializers.CharField(read_only=True, help_text="active, failing or disabled.")

    class Meta:
        model = Webhook
        fields = [
            "id", "name", "url", "events", "filters", "description", "active", "status",
            "disabled_reason", "failing_since", "last_success_at", "last_error",
            "created_at", "updated_at",
        ]
        read_only_fields = [
            "disabled_reason", "failing_since", "last_success_at", "last_error",
            "created_at", "updated_at",
        ]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret, shown once.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="whsec_… signing secret.")


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["number", "outcome", "started_at", "duration_ms", "response_status",
                  "response_body", "error"]


class RecoverRequestSerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        help_text="Every delivery created from this time on that failed for good is re-sent."
    )


class RecoverySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)

    class Meta:
        model = Recovery
        fields = ["id", "since", "created_at", "finished_at", "deliveries_resent"]


class DeliverySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    event_id = serializers.CharField(source="event.public_id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "event_id", "event_type", "status", "attempt_count", "next_attempt_at",
                  "last_error", "created_at", "delivered_at", "attempts"]


class TestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    response_status = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.FloatField()
    # Not `error`: a top-level "error" key is the API's error envelope.
    error_message = serializers.CharField(allow_blank=True, help_text="Why it failed, if it did.")
    response_body = serializers.CharField(allow_blank=True)
    delivery_id = serializers.CharField()
    event_id = serializers.CharField()


class EventSerializer(serializers.Serializer):
    """An event exactly as webhooks and Zapier hooks receive it."""

    id = serializers.CharField(help_text="evt_… id, the same as the webhook-id header.")
    event = serializers.CharField(help_text="The event type, e.g. message.sent.")
    timestamp = serializers.CharField(help_text="When it happened (ISO 8601, UTC).")
    data = serializers.JSONField(help_text="The event's fields (see each event's payload).")

    def to_representation(self, instance: Event) -> dict:
        return dict(instance.payload)


class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.DestroyModelMixin, WorkspaceScopedViewSet):
    """Webhooks of the key's workspace."""

    queryset = Webhook.objects.all()
    serializer_class = WebhookSerializer
    required_scopes = {
        "list": "webhooks:read", "retrieve": "webhooks:read", "deliveries": "webhooks:read",
        "create": "webhooks:write", "update": "webhooks:write",
        "partial_update": "webhooks:write", "destroy": "webhooks:write",
        "test": "webhooks:write", "rotate_secret": "webhooks:write",
        "secret": "webhooks:write", "enable": "webhooks:write", "recover": "webhooks:write",
    }

    @extend_schema(request=WebhookSerializer, responses={201: WebhookCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = WebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            webhook, secret = services.webhook_create(
                workspace=self.workspace, name=data["name"], url=data["url"],
                events=data["events"], description=data.get("description", ""),
                filters=data.get("filters", []), active=data.get("active", True),
            )
        except DjangoValidationError as error:
            raise service_validation_error(error)
        webhook.secret = secret
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        webhook = self.get_object()
        serializer = WebhookSerializer(webhook, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            services.webhook_update(webhook=webhook, **serializer.validated_data)
        except DjangoValidationError as error:
            raise service_validation_error(error)
        webhook.refresh_from_db()
        return Response(WebhookSerializer(webhook).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        services.webhook_delete(webhook=instance)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, id=None):
        """The webhook's delivery log, newest first, each with its attempts."""
        webhook = self.get_object()
        page = self.paginate_queryset(
            selectors.webhook_deliveries(workspace=self.workspace, webhook=webhook)
        )
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses=TestResultSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, id=None):
        """Send a `webhook.test` event now; the answer says how it went."""
        attempt = services.webhook_send_test(webhook=self.get_object())
        return Response(TestResultSerializer({
            "ok": attempt.ok, "response_status": attempt.response_status,
            "duration_ms": attempt.duration_ms, "error_message": attempt.error,
            "response_body": attempt.response_body,
            "delivery_id": attempt.delivery.public_id, "event_id": attempt.delivery.event.public_id,
        }).data)

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, id=None):
        """A new signing secret; the previous one keeps signing beside it for 24 hours."""
        return Response({"secret": services.webhook_rotate_secret(webhook=self.get_object())})

    @extend_schema(request=None, responses=SecretSerializer)
    @action(detail=True, methods=["post"], url_path="reveal-secret")
    def secret(self, request, id=None):
        """The current signing secret."""
        return Response({"secret": services.webhook_reveal_secret(webhook=self.get_object())})

    @extend_schema(request=None, responses=WebhookSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request, id=None):
        """Switch a disabled webhook back on; deliveries that waited go out."""
        webhook = services.webhook_enable(webhook=self.get_object())
        return Response(WebhookSerializer(webhook).data)


    @extend_schema(request=RecoverRequestSerializer, responses={202: RecoverySerializer})
    @action(detail=True, methods=["post"])
    def recover(self, request, id=None):
        """Re-send every delivery of this webhook that failed for good since `since`, with
        the same event ids, in batches; the answer is the logged operation (202: it runs in
        a worker; `deliveriesResent` counts as it goes)."""
        webhook = self.get_object()
        serializer = RecoverRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            recovery = destination_recover(
                destination=webhook, since=serializer.validated_data["since"],
                requested_by=str(request.user),
            )
        except DjangoValidationError as error:
            raise service_validation_error(error) from None
        return Response(RecoverySerializer(recovery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryViewSet(mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    """One delivery (of any destination) with its attempts; redeliver it."""

    queryset = Delivery.objects.select_related("event").prefetch_related(
        Prefetch("attempts", queryset=Attempt.objects.order_by("number"))
    )
    serializer_class = DeliverySerializer
    required_scopes = {"retrieve": "webhooks:read", "redeliver": "webhooks:write"}

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, id=None):
        """Send it again, with the same event id; the new attempts append to its log."""
        delivery = services.webhook_redeliver(delivery=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    """Recent events of the workspace, newest first, for polling."""

    queryset = Event.objects.all()
    serializer_class = EventSerializer
    required_scopes = "webhooks:read"
    # Payload keys as stored: the camelCase renderer would rewrite a client's own keys.
    renderer_classes = [VerbatimEnvelopeJSONRenderer, EnvelopeBrowsableAPIRenderer]

    @extend_schema(parameters=[OpenApiParameter("type", str, enum=list(EventType.values))])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        event_type = self.request.query_params.get("type")
        if event_type and event_type not in EventType.values and event_type != "webhook.test":
            raise ValidationError({"type": [f"Unknown event type {event_type!r}."]})
        return selectors.event_list(workspace=self.workspace, type=event_type or None)

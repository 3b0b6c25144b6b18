"""/v1/hooks: Zapier's REST-hook subscribe, list and unsubscribe, over the services."""
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from integrations.api import FilterConditionSerializer
from integrations.zapier import services
from integrations.zapier.models import HookSubscription
from metachat.api.errors import service_validation_error
from metachat.api.viewsets import WorkspaceScopedViewSet
from metachat.events.catalogue import EventType


class HookSubscribeSerializer(serializers.Serializer):
    target_url = serializers.CharField(
        trim_whitespace=False, help_text="Where to POST each event (Zapier's bundle.targetUrl)."
    )
    event = serializers.CharField(
        trim_whitespace=False, help_text=f"One of {', '.join(EventType.values)}."
    )
    filters = FilterConditionSerializer(
        many=True, required=False,
        help_text="Only events whose data meet all of these, e.g. "
        '[{"field": "confidence", "op": "lt", "value": 0.5}].',
    )


class HookSubscriptionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    event = serializers.CharField(read_only=True, help_text="The event type sent to the URL.")
    status = serializers.CharField(
        source="subscription_status", read_only=True,
        help_text="active, failing, disabled or unsubscribed.",
    )

    class Meta:
        model = HookSubscription
        fields = ["id", "event", "target_url", "filters", "status", "created_at",
                  "last_delivery_at", "last_success_at", "last_error", "unsubscribed_at"]
        read_only_fields = fields


class HookSubscriptionCreatedSerializer(HookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret (whsec_…), shown only when created."
    )

    class Meta(HookSubscriptionSerializer.Meta):
        fields = [*HookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class HookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    """Zapier REST-hook subscriptions of the key's workspace."""

    queryset = HookSubscription.objects.all()
    serializer_class = HookSubscriptionSerializer
    # About the calling key itself: an operator's admin session is refused here.
    session_allowed = False
    required_scopes = {
        "list": "webhooks:read", "retrieve": "webhooks:read",
        "create": "webhooks:write", "destroy": "webhooks:write",
    }

    def filter_queryset(self, queryset):
        if self.action == "list":  # unsubscribed ones stay readable by id, not listed
            queryset = queryset.filter(unsubscribed_at__isnull=True)
        return super().filter_queryset(queryset)

    @extend_schema(request=HookSubscribeSerializer,
                   responses={201: HookSubscriptionCreatedSerializer,
                              200: HookSubscriptionSerializer})
    def create(self, request, *args, **kwargs):
        """Subscribe a URL to an event. The same URL and event again returns the live
        subscription (200) instead of making another."""
        serializer = HookSubscribeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            subscription, created, secret = services.hook_subscribe(
                workspace=self.workspace, api_key=request.auth, target_url=data["target_url"],
                event=data["event"], filters=data.get("filters", []),
            )
        except DjangoValidationError as error:
            raise service_validation_error(error) from None
        if not created:
            return Response(HookSubscriptionSerializer(subscription).data)
        subscription.secret = secret
        return Response(HookSubscriptionCreatedSerializer(subscription).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Unsubscribe. Unsubscribing one that is already unsubscribed is a 204 too."""
        services.hook_unsubscribe(subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

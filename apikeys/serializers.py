"""API shapes of keys: never a hash; the plaintext only in the response that creates it."""
from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError

from apikeys.models import ApiKey
from apikeys.origins import origins_normalise
from apikeys.publishable import widget_script_url, widget_snippet
from apikeys.scopes import SCOPES
from apikeys.services import DEFAULT_GRACE_PERIOD, MAX_GRACE_PERIOD
from metachat.api import serializers


class ApiKeySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    prefix = serializers.CharField(
        read_only=True, help_text="The start of the key, to recognise it."
    )
    status = serializers.ChoiceField(choices=ApiKey.Status.choices, read_only=True)
    replaced_by = serializers.SlugRelatedField(slug_field="public_id", read_only=True,
                                               allow_null=True)
    kind = serializers.ChoiceField(choices=ApiKey.Kind.choices, read_only=True)
    allowed_origins = serializers.ListField(child=serializers.CharField(), read_only=True)
    publishable_key = serializers.SerializerMethodField(
        help_text="Publishable keys only: the key (not a secret; it goes into web pages)."
    )
    snippet = serializers.SerializerMethodField(
        help_text="Publishable keys only: the script tag to paste into your pages."
    )

    class Meta:
        model = ApiKey
        fields = [
            "id", "name", "kind", "prefix", "scopes", "allowed_origins", "status",
            "created_at", "expires_at", "revoked_at", "last_used_at", "replaced_by",
            "rate_limit", "publishable_key", "snippet",
        ]
        read_only_fields = fields

    def get_publishable_key(self, obj) -> str | None:
        return obj.publishable_key if obj.is_publishable else None

    def get_snippet(self, obj) -> str | None:
        request = self.context.get("request")
        if not obj.is_publishable or request is None:
            return None
        return widget_snippet(api_key=obj, script_url=widget_script_url(request))


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(
        choices=ApiKey.Kind.choices, default=ApiKey.Kind.SECRET,
        help_text="secret (default; servers only) or publishable (the chat widget).",
    )
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SCOPES)), required=False,
        help_text="Secret keys: what the key may do (at least one). Publishable keys: none.",
    )
    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=50,
        help_text="Publishable keys: the origins the widget may run on, e.g. "
        "https://shop.example.com (at least one).",
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_allowed_origins(self, origins):
        try:
            return origins_normalise(origins)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages)

    def validate(self, attrs):
        if attrs["kind"] == ApiKey.Kind.PUBLISHABLE:
            if attrs.get("scopes"):
                raise serializers.ValidationError({"scopes": [
                    "Publishable keys have no scopes: they only work with the chat widget."
                ]})
            if not attrs.get("allowed_origins"):
                raise serializers.ValidationError({"allowed_origins": [
                    "A publishable key needs at least one allowed origin, e.g. "
                    "https://shop.example.com."
                ]})
        else:
            if not attrs.get("scopes"):
                raise serializers.ValidationError(
                    {"scopes": ["Give a secret key at least one scope."]}
                )
            if attrs.get("allowed_origins"):
                raise serializers.ValidationError({"allowed_origins": [
                    "Only publishable keys have allowed origins; secret keys are for servers. "
                    'Send "kind": "publishable" for the chat widget.'
                ]})
        return attrs

    def validate_scopes(self, scopes):
        granting_key = self.context["api_key"]
        beyond = [scope for scope in scopes if not granting_key.has_scope(scope)]
        if beyond:
            raise serializers.ValidationError(
                f"A key can grant only scopes it has itself; this one lacks {', '.join(beyond)}."
            )
        return scopes


class ApiKeyRollSerializer(serializers.Serializer):
    grace_period_seconds = serializers.IntegerField(
        min_value=0, max_value=int(MAX_GRACE_PERIOD.total_seconds()),
        default=int(DEFAULT_GRACE_PERIOD.total_seconds()),
        help_text="How long the old key keeps working (default 24 hours, at most 30 days).",
    )

    @property
    def grace_period(self) -> timedelta:
        return timedelta(seconds=self.validated_data["grace_period_seconds"])


class ApiKeyWithSecretSerializer(ApiKeySerializer):
    key = serializers.SerializerMethodField(
        help_text="The key itself. Shown only in this response: copy it now."
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, obj) -> str:
        return self.context["plaintext"]


class MeSerializer(serializers.Serializer):
    workspace_id = serializers.CharField(source="workspace.public_id")
    workspace_name = serializers.CharField(source="workspace.name")
    key_id = serializers.CharField(source="public_id")
    key_name = serializers.CharField(source="name")
    scopes = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField(allow_null=True)

"""API shapes of keys: never a hash; the plaintext only in the response that creates it."""
from datetime import timedelta

from apikeys.models import ApiKey
from apikeys.scopes import SCOPES
from apikeys.services import DEFAULT_GRACE_PERIOD, MAX_GRACE_PERIOD
from metachat.api import serializers


class ApiKeySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    prefix = serializers.CharField(
        read_only=True, help_text="The start of the key, to recognise it."
    )
    status = serializers.ChoiceField(choices=ApiKey.Status.choices, read_only=True)
    replaced_by = serializers.SlugRelatedField(slug_field="public_id", read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id", "name", "prefix", "scopes", "status", "created_at", "expires_at",
            "revoked_at", "last_used_at", "replaced_by", "rate_limit",
        ]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SCOPES)), allow_empty=False,
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

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
    expires_at = serializers.DateTimeField()

"""API shapes of CRM connections; secrets are accepted, never returned."""
from integrations.crm.models import CrmConnection, FieldMapping
from integrations.crm.providers import provider_choices, providers
from integrations.crm.sources import SourceField
from metachat.api import serializers
from metachat.events.catalogue import EventType


class FieldMappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = FieldMapping
        fields = ["source_field", "target_field", "fixed_value", "transform"]


class CrmConnectionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    credentials = serializers.SerializerMethodField(
        help_text="The non-secret credential fields; secrets are never returned."
    )
    field_mappings = FieldMappingSerializer(many=True, read_only=True)

    class Meta:
        model = CrmConnection
        fields = [
            "id", "provider", "name", "status", "last_error", "last_error_at",
            "last_success_at", "active", "disabled_reason", "events", "target_object",
            "credentials", "field_mappings", "created_at", "updated_at",
        ]

    def get_credentials(self, connection) -> dict:
        cls = providers().get(connection.provider)
        stored = connection.credentials or {}
        if cls is None:
            return {}
        return {f.name: stored.get(f.name, "") for f in cls.credential_fields if not f.secret}


class MappingInputSerializer(serializers.Serializer):
    source_field = serializers.ChoiceField(choices=SourceField.choices, required=False,
                                           allow_blank=True)
    target_field = serializers.CharField(max_length=120)
    fixed_value = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    transform = serializers.ChoiceField(choices=FieldMapping.Transform.choices, required=False,
                                        allow_blank=True)


class ConnectSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=())
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=2000),
        help_text="Salesforce: instanceUrl, clientId, clientSecret. HubSpot: accessToken. "
        "Zendesk: subdomain, email, apiToken. Intercom: accessToken. Pipedrive: apiToken.",
    )
    target_object = serializers.CharField(max_length=80, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False,
        allow_empty=False, min_length=1,  # min_length: minItems in the schema
    )
    field_mappings = MappingInputSerializer(many=True, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices()


class UpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=2000), required=False,
        help_text="Only the values to change; blank values keep the stored ones.",
    )
    target_object = serializers.CharField(max_length=80, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False,
        allow_empty=False, min_length=1,  # min_length: minItems in the schema
    )


class FieldMappingsSerializer(serializers.Serializer):
    field_mappings = MappingInputSerializer(many=True)


class ReconnectSerializer(serializers.Serializer):
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=2000), required=False,
        help_text="Fresh credentials; omitted or blank values keep the stored ones.",
    )


class CrmTestResultSerializer(serializers.Serializer):
    record_id = serializers.CharField(help_text="The id the CRM gave the test record.")
    connection = CrmConnectionSerializer()

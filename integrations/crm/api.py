"""/v1/integrations/crm: list, connect, change, map fields, test, disconnect, reconnect."""
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from integrations.crm import services
from integrations.crm.models import CrmConnection
from integrations.crm.providers.base import CrmError
from integrations.crm.serializers import (
    ConnectSerializer,
    CrmConnectionSerializer,
    CrmTestResultSerializer,
    FieldMappingsSerializer,
    ReconnectSerializer,
    UpdateSerializer,
)
from metachat.api.viewsets import WorkspaceScopedViewSet


class CrmRefused(ValidationError):
    """The CRM (or our checks) refused the input: 400 with the CRM's reason."""

    def __init__(self, error: services.CrmInputError):
        super().__init__({"non_field_errors": [error.message], **error.fields})
        self.error_code = error.code


class CrmCallFailed(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "crm_error"

    def __init__(self, error: CrmError):
        super().__init__(error.message)
        self.error_code = "crm_error"


class CrmUnreachable(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "crm_unavailable"


def _run(service, **kwargs):
    try:
        return service(**kwargs)
    except services.CrmInputError as error:
        if error.code == "crm_unavailable":
            raise CrmUnreachable(error.message) from None
        raise CrmRefused(error) from None


class CrmConnectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           WorkspaceScopedViewSet):
    """CRM connections of the caller's workspace."""

    queryset = CrmConnection.objects.prefetch_related("field_mappings").order_by("created_at", "pk")
    serializer_class = CrmConnectionSerializer
    required_scopes = {
        "list": "integrations:read",
        "retrieve": "integrations:read",
        "create": "integrations:write",
        "partial_update": "integrations:write",
        "destroy": "integrations:write",
        "field_mappings": "integrations:write",
        "test": "integrations:write",
        "disconnect": "integrations:write",
        "reconnect": "integrations:write",
    }

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _show(self, connection, status_code=status.HTTP_200_OK):
        connection = self.get_queryset().get(pk=connection.pk)
        return Response(CrmConnectionSerializer(connection).data, status=status_code)

    @extend_schema(request=ConnectSerializer, responses={201: CrmConnectionSerializer})
    def create(self, request):
        """Connect a CRM: the credentials are checked with the CRM before anything is saved."""
        data = self._input(ConnectSerializer)
        mappings = data.get("field_mappings")
        connection = _run(
            services.crm_connection_connect, workspace=self.workspace,
            provider=data["provider"], name=data.get("name", ""),
            credentials=data["credentials"], target_object=data.get("target_object", ""),
            events=data.get("events"),
            field_mappings=[dict(m) for m in mappings] if mappings is not None else None,
        )
        return self._show(connection, status.HTTP_201_CREATED)

    @extend_schema(request=UpdateSerializer, responses=CrmConnectionSerializer)
    def partial_update(self, request, id=None):
        """Rename, change events or target object, or replace some credentials."""
        connection = self.get_object()
        data = self._input(UpdateSerializer)
        connection = _run(
            services.crm_connection_update, connection=connection, name=data.get("name"),
            credentials=data.get("credentials"), target_object=data.get("target_object"),
            events=data.get("events"),
        )
        return self._show(connection)

    @extend_schema(responses={204: None})
    def destroy(self, request, id=None):
        """Remove the connection and its stored credentials."""
        services.crm_connection_delete(connection=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=FieldMappingsSerializer, responses=CrmConnectionSerializer)
    @action(detail=True, methods=["put"], url_path="field-mappings")
    def field_mappings(self, request, id=None):
        """Replace the field mapping (source field or fixed value → CRM field)."""
        connection = self.get_object()
        data = self._input(FieldMappingsSerializer)
        _run(services.field_mappings_replace, connection=connection,
             mappings=[dict(m) for m in data["field_mappings"]])
        return self._show(connection)

    @extend_schema(request=None, responses=CrmTestResultSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, id=None):
        """Create a clearly labelled test record in the CRM; answers with its id."""
        connection = self.get_object()
        try:
            record_id = services.crm_connection_test(connection=connection)
        except CrmError as error:
            raise CrmCallFailed(error) from None
        connection = self.get_queryset().get(pk=connection.pk)
        return Response({"record_id": record_id,
                         "connection": CrmConnectionSerializer(connection).data})

    @extend_schema(request=None, responses=CrmConnectionSerializer)
    @action(detail=True, methods=["post"])
    def disconnect(self, request, id=None):
        """Stop syncing (the credentials are kept, encrypted, for Reconnect)."""
        connection = services.crm_connection_disconnect(connection=self.get_object())
        return self._show(connection)

    @extend_schema(request=ReconnectSerializer, responses=CrmConnectionSerializer)
    @action(detail=True, methods=["post"])
    def reconnect(self, request, id=None):
        """Check the (optionally fresh) credentials with the CRM and sync again."""
        connection = self.get_object()
        data = self._input(ReconnectSerializer)
        connection = _run(services.crm_connection_reconnect, connection=connection,
                          credentials=data.get("credentials"))
        return self._show(connection)

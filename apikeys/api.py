"""/v1/me and /v1/api-keys."""
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.models import ApiKey
from apikeys.scopes import AUTHENTICATED
from apikeys.serializers import (
    ApiKeyCreateSerializer,
    ApiKeyRollSerializer,
    ApiKeySerializer,
    ApiKeyWithSecretSerializer,
    MeSerializer,
)
from apikeys.services import api_key_create, api_key_revoke, api_key_roll
from metachat.api.errors import service_validation_error
from metachat.api.viewsets import WorkspaceScopedViewSet


class MeView(APIView):
    """Who am I: the key's workspace, name and scopes (also a connection test)."""

    # About the calling key itself: an operator's admin session is refused here.
    session_allowed = False
    required_scopes = AUTHENTICATED

    @extend_schema(responses=MeSerializer, summary="The calling key and its workspace")
    def get(self, request):
        return Response(MeSerializer(request.auth).data)


class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = ApiKey.objects.select_related("replaced_by")
    serializer_class = ApiKeySerializer
    # About the calling key itself: an operator's admin session is refused here.
    session_allowed = False
    required_scopes = "keys:write"

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: ApiKeyWithSecretSerializer})
    def create(self, request):
        """Create a key; the response is the only place its secret ever appears."""
        serializer = ApiKeyCreateSerializer(data=request.data, context={"api_key": request.auth})
        serializer.is_valid(raise_exception=True)
        try:
            api_key, plaintext = api_key_create(
                workspace=self.workspace, created_by_key=request.auth, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise service_validation_error(error)
        return Response(
            ApiKeyWithSecretSerializer(
                api_key, context={"plaintext": plaintext, "request": request}
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, id=None):
        """Revoke the key: its next request is refused."""
        api_key = api_key_revoke(api_key=self.get_object(), acting_key=request.auth)
        return Response(ApiKeySerializer(api_key, context={"request": request}).data)

    @extend_schema(request=ApiKeyRollSerializer, responses={201: ApiKeyWithSecretSerializer})
    @action(detail=True, methods=["post"])
    def roll(self, request, id=None):
        """A new key replaces this one, which keeps working for the grace period."""
        old = self.get_object()
        serializer = ApiKeyRollSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            new, plaintext = api_key_roll(
                api_key=old, grace_period=serializer.grace_period, created_by_key=request.auth
            )
        except DjangoValidationError as error:
            raise service_validation_error(error)
        return Response(
            ApiKeyWithSecretSerializer(
                new, context={"plaintext": plaintext, "request": request}
            ).data,
            status=status.HTTP_201_CREATED,
        )

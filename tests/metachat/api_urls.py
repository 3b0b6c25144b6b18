"""A small endpoint built only from the API plumbing, to exercise it in tests."""
from types import SimpleNamespace

from django.urls import include, path
from rest_framework import authentication, mixins, serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.routers import SimpleRouter

from metachat import urls as product_urls
from metachat.api.viewsets import WorkspaceScopedViewSet
from metachat.workspaces.models import Membership, Workspace


class WorkspaceHeaderAuthentication(authentication.BaseAuthentication):
    """`Authorization: Test ws_…` — stands in for API keys, which carry the workspace."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Test "):
            return None
        workspace = Workspace.objects.filter(public_id=header.removeprefix("Test ")).first()
        if workspace is None:
            raise AuthenticationFailed("Unknown workspace.")
        return (None, SimpleNamespace(workspace=workspace))

    def authenticate_header(self, request):
        return "Test"


class MembershipSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["id", "user_name", "role", "created_at"]


class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, WorkspaceScopedViewSet):
    queryset = Membership.objects.select_related("user").order_by("pk")
    serializer_class = MembershipSerializer
    authentication_classes = [WorkspaceHeaderAuthentication]
    lookup_field = "pk"

    def perform_create(self, serializer):
        raise RuntimeError("boom")  # an unexpected failure inside a view


router = SimpleRouter(trailing_slash=False)
router.register("v1/test-memberships", MembershipViewSet, basename="test-membership")

urlpatterns = [path("", include(router.urls)), *product_urls.urlpatterns]

"""Test-only endpoints declaring scopes both ways (one for the view, one per action)."""
from django.urls import include, path
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from metachat import urls as product_urls
from metachat.api.viewsets import WorkspaceScopedViewSet
from metachat.workspaces.models import Membership


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "role"]


class PerActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceScopedViewSet):
    queryset = Membership.objects.order_by("pk")
    serializer_class = MembershipSerializer
    lookup_field = "pk"
    required_scopes = {
        "list": "conversations:read",
        "retrieve": "conversations:read",
        "archive": "conversations:write",
        # "forget" deliberately declares nothing: it must be refused to every key.
    }

    @action(detail=False, methods=["post"])
    def archive(self, request):
        return Response({"archived": True})

    @action(detail=False, methods=["post"])
    def forget(self, request):
        return Response({"forgotten": True})


class WholeViewScope(APIView):
    required_scopes = "reports:read"

    def get(self, request):
        return Response({"workspaceId": request.auth.workspace.public_id})

    def post(self, request):
        return Response({"received": request.data})


class Undeclared(APIView):
    def get(self, request):
        return Response({"leaked": True})


router = SimpleRouter(trailing_slash=False)
router.register("v1/test-scoped", PerActionViewSet, basename="test-scoped")

urlpatterns = [
    path("v1/test-report", WholeViewScope.as_view()),
    path("v1/test-undeclared", Undeclared.as_view()),
    path("", include(router.urls)),
    *product_urls.urlpatterns,
]

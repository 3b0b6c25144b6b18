"""The base of every tenant endpoint: the workspace comes from the credentials, never the body."""
from django.utils.text import capfirst
from rest_framework import viewsets
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.views import APIView, get_view_name


def request_workspace(request):
    """The workspace the caller's credentials belong to (an API key carries it)."""
    workspace = getattr(request.auth, "workspace", None)
    if workspace is None:
        raise NotAuthenticated()
    return workspace


def view_name(view) -> str:
    """A page's title and breadcrumb: a collection's plural ("Conversations"), an object's
    singular ("Conversation"), not DRF's "Conversation List" / "Conversation Instance"."""
    queryset = getattr(view, "queryset", None)
    suffix = getattr(view, "suffix", None)
    if getattr(view, "name", None) is None and queryset is not None and suffix in (
            "List", "Instance"):
        meta = queryset.model._meta
        return capfirst(meta.verbose_name_plural if suffix == "List" else meta.verbose_name)
    return get_view_name(view)


class WorkspaceScopedViewSet(viewsets.GenericViewSet):
    """Owns `get_queryset`/`get_object`: every row it hands out is the caller's workspace's.

    Subclasses set `queryset` and may narrow it in `filter_queryset`; they never widen it.
    Another workspace's object is a 404, never a 403 that would reveal it exists.
    """

    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    workspace_field = "workspace"

    @property
    def workspace(self):
        return request_workspace(self.request)

    def get_queryset(self):
        return super().get_queryset().filter(**{self.workspace_field: self.workspace})

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        lookup = self.kwargs[self.lookup_url_kwarg]
        # A NUL can never be in an id, and PostgreSQL refuses it in a query: not found.
        obj = None if "\x00" in lookup else queryset.filter(**{self.lookup_field: lookup}).first()
        if obj is None:
            raise NotFound(f"No {queryset.model._meta.verbose_name} with id {lookup!r}.")
        self.check_object_permissions(self.request, obj)
        return obj


class NotFoundView(APIView):
    """Any path under /v1/ that names no endpoint: a 404 in the API's error format."""

    authentication_classes = []
    permission_classes = []
    schema = None

    def _not_found(self, request, *args, **kwargs):
        raise NotFound(f"No endpoint at {request.path}.")

    get = post = put = patch = delete = head = options = _not_found

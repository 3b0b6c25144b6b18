"""`tenantId` in a request must name the API key's own workspace, wherever it appears."""
from django.http import QueryDict

from apikeys.errors import TenantMismatch

# The camelCase parsers turn a body's tenantId into tenant_id; query strings stay as sent.
TENANT_FIELDS = ("tenantId", "tenant_id")
BODYLESS_METHODS = ("GET", "HEAD", "OPTIONS")


def check_tenant(request, workspace) -> None:
    """Raise TenantMismatch (403) when any tenantId in the query or body is not `workspace`'s id."""
    expected = workspace.public_id
    for value in _tenant_values(request.query_params):
        _compare(value, expected)
    if request.method in BODYLESS_METHODS:
        return  # a body on a GET means nothing: it is not read, so it cannot be a 400 either
    for value in _tenant_values(request.data):
        _compare(value, expected)


def _compare(value, expected: str) -> None:
    if value != expected:
        shown = value if isinstance(value, str) and len(value) <= 64 else "that value"
        raise TenantMismatch(
            f"tenantId {shown!r} is not the workspace of this API key ({expected}). "
            "Use the workspace id shown by GET /v1/me, or leave tenantId out."
        )


def _tenant_values(data):
    if isinstance(data, QueryDict):
        for field in TENANT_FIELDS:
            yield from data.getlist(field)
        return
    # An explicit stack rather than recursion: any nesting depth is checked.
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in TENANT_FIELDS:
                    yield value
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)

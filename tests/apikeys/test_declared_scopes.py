"""Every API endpoint that checks scopes declares one for each of its actions."""
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.settings import api_settings

from apikeys.permissions import HasScopes
from apikeys.scopes import AUTHENTICATED, SCOPES


def _patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_scoped_endpoint_declares_a_known_scope_for_every_action():
    problems, checked = [], []
    for route, callback in _patterns(get_resolver()):
        view = getattr(callback, "cls", None)
        if view is None or not route.startswith("v1/"):
            continue
        permissions = getattr(view, "permission_classes", api_settings.DEFAULT_PERMISSION_CLASSES)
        if HasScopes not in permissions:
            continue
        checked.append(route)
        declared = getattr(view, "required_scopes", None)
        actions = getattr(callback, "actions", None) or {}
        if isinstance(declared, str):
            needed = {declared}
        elif isinstance(declared, dict):
            missing = [a for a in actions.values() if a not in declared]
            if missing:
                problems.append(f"{route}: no scope for {missing}")
            needed = set(declared.values())
        else:
            problems.append(f"{route}: {view.__name__} declares no required_scopes")
            continue
        unknown = needed - set(SCOPES) - {AUTHENTICATED}
        if unknown:
            problems.append(f"{route}: unknown scope(s) {unknown}")
    assert problems == []
    assert "v1/me" in checked and any("api-keys" in route for route in checked)

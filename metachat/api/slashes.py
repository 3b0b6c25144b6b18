"""Every /v1/ route answers with and without a trailing slash, without a redirect.

Routes are declared once (without the slash, or with it for /v1/schema/ and /v1/docs/);
a request for the other spelling is resolved to the declared one in place. A redirect
would turn a client's POST into a GET and lose its body.
"""
from django.urls import Resolver404, resolve

from metachat.api.viewsets import NotFoundView

PREFIX = "/v1/"


def names_an_endpoint(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "view_class", None) is not NotFoundView


class OptionalTrailingSlashMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(PREFIX[:-1]) and path != PREFIX and not names_an_endpoint(path):
            other = path[:-1] if path.endswith("/") else path + "/"
            if names_an_endpoint(other):
                request.path_info = other
        return self.get_response(request)

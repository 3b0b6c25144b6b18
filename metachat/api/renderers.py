"""The `{"data": …}` envelope, with camelCase keys, for every /v1/ response."""
from urllib.parse import urlsplit

from django.urls import get_script_prefix
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.utils.breadcrumbs import get_breadcrumbs

from apikeys import keys
from metachat.api.session import (
    BrowserApiKeyAuthentication,
    OperatorSession,
    browser_key_identifier,
    session_operator,
    switchable_workspaces,
)

# Fields DRF's HTML forms cannot take ("Lists are not currently supported in HTML input").
_NOT_IN_HTML_FORMS = (serializers.ListField, serializers.DictField, serializers.ListSerializer)


def is_enveloped(data) -> bool:
    """Paginated lists and errors arrive already wrapped; everything else is wrapped here."""
    return isinstance(data, dict) and ("error" in data or ("data" in data and "pagination" in data))


class _EnvelopeMixin:
    """Wraps what is not yet enveloped in `{"data": …}`; a 204 has no body."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code == 204:
            return b""
        if not is_enveloped(data):
            data = {"data": data}
        return super().render(data, accepted_media_type, renderer_context)


class EnvelopeJSONRenderer(_EnvelopeMixin, CamelCaseJSONRenderer):
    pass


class EnvelopeBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API, showing the same enveloped JSON a client receives, with the
    "Use an API key" form and an operator's Workspace menu (rest_framework/api.html under
    metachat/api/templates)."""

    template = "rest_framework/api.html"

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        request = renderer_context["request"]
        identifier = browser_key_identifier(getattr(request._request, "session", None))
        in_use = isinstance(request.successful_authenticator, BrowserApiKeyAuthentication)
        operator = request.auth if isinstance(request.auth, OperatorSession) else None
        context.update(
            # Only the prefix and name are ever shown: the key itself is not in the session.
            browser_key_prefix=keys.display_prefix(identifier) if identifier else None,
            browser_key=request.auth if in_use else None,
            # The person logged in to the admin, even when their request was refused.
            signed_in=session_operator(request),
            workspaces=switchable_workspaces(request),
            current_workspace=operator.workspace if operator else None,
        )
        return context

    def get_breadcrumbs(self, request):
        """Only pages that exist, named as their routes are declared: `/v1` and the other
        spelling of a route (with or without its slash, slashes.py) are the 404 view's."""
        from metachat.api.slashes import names_an_endpoint  # it loads DRF's views, which load this

        prefix = get_script_prefix().rstrip("/")
        return [(name, url) for name, url in get_breadcrumbs(prefix + request.path_info, request)
                if names_an_endpoint(urlsplit(url).path[len(prefix):])]

    def render_form_for_serializer(self, serializer):
        """No HTML form where a writable field is a list or a dict: the "Raw data" tab, holding
        the JSON to fill in, is then the page's form."""
        fields = getattr(serializer, "fields", {})
        if any(isinstance(field, _NOT_IN_HTML_FORMS) and not field.read_only
               for field in fields.values()):
            return None
        return super().render_form_for_serializer(serializer)


class VerbatimEnvelopeJSONRenderer(_EnvelopeMixin, JSONRenderer):
    """The same envelope around JSON whose keys must stay exactly as stored (event
    payloads): a polled event is the very object a webhook or Zapier hook receives, even
    where a client's own `user` info has snake_case keys."""

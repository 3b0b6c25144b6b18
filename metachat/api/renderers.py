"""The `{"data": …}` envelope, with camelCase keys, for every /v1/ response."""
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from apikeys import keys
from metachat.api.session import BrowserApiKeyAuthentication, browser_key_identifier


def is_enveloped(data) -> bool:
    """Paginated lists and errors arrive already wrapped; everything else is wrapped here."""
    return isinstance(data, dict) and ("error" in data or ("data" in data and "pagination" in data))


class EnvelopeJSONRenderer(CamelCaseJSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code == 204:
            return b""
        if not is_enveloped(data):
            data = {"data": data}
        return super().render(data, accepted_media_type, renderer_context)


class EnvelopeBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API, showing the same enveloped JSON a client receives, with the
    "Use an API key" form (rest_framework/api.html under metachat/api/templates)."""

    template = "rest_framework/api.html"

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        request = renderer_context["request"]
        identifier = browser_key_identifier(getattr(request._request, "session", None))
        in_use = isinstance(request.successful_authenticator, BrowserApiKeyAuthentication)
        context.update(
            # Only the prefix and name are ever shown: the key itself is not in the session.
            browser_key_prefix=keys.display_prefix(identifier) if identifier else None,
            browser_key=request.auth if in_use else None,
        )
        return context


class VerbatimEnvelopeJSONRenderer(JSONRenderer):
    """The same envelope around JSON whose keys must stay exactly as stored (event
    payloads): a polled event is the very object a webhook or Zapier hook receives, even
    where a client's own `user` info has snake_case keys."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code == 204:
            return b""
        if not is_enveloped(data):
            data = {"data": data}
        return super().render(data, accepted_media_type, renderer_context)

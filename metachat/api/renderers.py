"""The `{"data": …}` envelope, with camelCase keys, for every /v1/ response."""
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer


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
    """DRF's browsable API, showing the same enveloped JSON a client receives."""


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

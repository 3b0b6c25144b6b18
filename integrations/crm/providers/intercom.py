"""Intercom through its Python SDK: access token; notes on the user's contact."""
from __future__ import annotations

import html
import logging

import httpx
from intercom import Intercom, SingleFilterSearchRequest
from intercom.core.api_error import ApiError

from integrations.crm.providers import register
from integrations.crm.providers.base import (
    NOTE_DEFAULT_MAPPING,
    CredentialField,
    CrmProvider,
    DefaultMapping,
    ErrorWording,
    PushResult,
    api_host,
    clip,
    note_body,
    transport_error,
)
from integrations.egress import httpx_transport

logger = logging.getLogger(__name__)

API_HOST = "https://api.intercom.io"


@register
class IntercomProvider(CrmProvider):
    key = "intercom"
    label = "Intercom"
    credential_fields = (
        CredentialField("access_token", "Access token", secret=True,
                        help_text="Developer Hub → your app → Authentication → Access token."),
    )
    target_objects = ("note",)
    default_target_object = "note"
    max_batch = 1
    errors = ErrorWording(
        subject="the note",
        credentials="the access token",
        auth_advice="Copy the token again from the app's Authentication page.",
        # Intercom's reset header is the Unix time its rate-limit window reopens.
        reset_header="X-RateLimit-Reset", reset_is_epoch=True,
        default_retry_after=10.0,
    )
    setup_help = (
        "In Intercom: Settings → Integrations → Developer Hub → New app, then copy the "
        "access token from Authentication. Each record becomes a note on the contact with "
        "the user's email (or, without one, their user id), created when missing."
    )

    @classmethod
    def default_mapping(cls, target_object: str) -> list[DefaultMapping]:
        return list(NOTE_DEFAULT_MAPPING)

    def _client(self) -> Intercom:
        return Intercom(
            token=self.credentials.get("access_token", ""),
            base_url=api_host(self.key, API_HOST),
            httpx_client=httpx.Client(
                timeout=self.session.timeout, transport=httpx_transport(self.session)
            ),
        )

    def _call(self, operation):
        try:
            return operation(self._client())
        except ApiError as error:
            raise self._error_for(error) from None
        except httpx.HTTPError as error:
            raise transport_error("Intercom", error) from None

    def _error_for(self, error: ApiError):
        """What the Intercom SDK's exception holds (its body parsed into the SDK's model)."""
        body = _plain(error.body)
        return self.error_for(status=error.status_code, headers=error.headers, body=body,
                              code=_code(body), message=_message(body))

    # --- the interface -----------------------------------------------------------------------
    def validate_credentials(self) -> None:
        self._call(lambda intercom: intercom.admins.identify(request_options=_no_retries()))

    def push(self, records: list) -> list[PushResult]:
        return [self._note(record) for record in records]

    def _contact_id(self, intercom: Intercom, record) -> str | None:
        user_id = record.source.get("user_id") or ""
        field, value = ("email", record.email) if record.email else ("external_id", user_id)
        if not value:
            return None
        found = intercom.contacts.search(
            query=SingleFilterSearchRequest(field=field, operator="=", value=value),
            request_options=_no_retries(),
        )
        for contact in found.items or []:
            return contact.id
        request = {field: value, "role": "user"}
        if record.user_name:
            request["name"] = record.user_name
        created = intercom.contacts.create(request=request, request_options=_no_retries())
        return created.id

    def _note(self, record) -> PushResult:
        def write(intercom):
            contact_id = self._contact_id(intercom, record)
            if contact_id is None:
                return None
            body = "".join(f"<p>{html.escape(line)}</p>" for line in note_body(record).splitlines())
            return intercom.notes.create(contact_id=contact_id, body=body,
                                         request_options=_no_retries())

        note = self._call(write)
        if note is None:
            return PushResult(ok=False, status=400,
                              error="An Intercom note needs the user's email or user id.")
        return PushResult(ok=True, record_id=str(note.id), status=200)


def _no_retries() -> dict:
    # Retries belong to the delivery pipeline, which records every attempt.
    return {"max_retries": 0}


def _plain(body):
    # the SDK parses an error body into its error model
    return body.model_dump() if hasattr(body, "model_dump") else body


def _code(body) -> str:
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors and isinstance(errors[0], dict):
        return str(errors[0].get("code") or "")
    return ""


def _message(body) -> str:
    if isinstance(body, dict):
        errors = body.get("errors") or []
        if errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("code"))
        return str(body.get("message") or "no details")
    return clip(body, 300)

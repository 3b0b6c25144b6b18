"""Intercom through its Python SDK: access token; notes on the user's contact."""
from __future__ import annotations

import html
import logging
import time

import httpx
from intercom import Intercom, SingleFilterSearchRequest
from intercom.core.api_error import ApiError

from integrations.crm.providers import register
from integrations.crm.providers.base import (
    NOTE_DEFAULT_MAPPING,
    CredentialField,
    CrmAuthError,
    CrmConfigError,
    CrmProvider,
    CrmRateLimited,
    CrmUnavailable,
    DefaultMapping,
    PushResult,
    api_host,
    clip,
    is_permanent,
    note_body,
    retry_after_seconds,
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
        status = error.status_code
        body = clip(error.body.model_dump() if hasattr(error.body, "model_dump") else error.body)
        message = _message(error.body)
        if status in (401, 403):
            return CrmAuthError(
                f"Intercom refused the access token ({message}). Copy the token again from "
                "the app's Authentication page.", status=status, body=body,
            )
        if status == 429:
            headers = {k.lower(): v for k, v in (error.headers or {}).items()}
            retry_after = headers.get("retry-after")
            if retry_after is None and headers.get("x-ratelimit-reset"):
                retry_after = float(headers["x-ratelimit-reset"]) - time.time()
            seconds = retry_after_seconds(retry_after, default=10.0)
            return CrmRateLimited(f"Intercom asked to slow down; retrying after {seconds:g} s.",
                                  retry_after=seconds, status=status, body=body)
        if status and status >= 500:
            return CrmUnavailable(f"Intercom failed ({status}): {message}.", status=status,
                                  body=body)
        cls = CrmConfigError if is_permanent(status=status) else CrmUnavailable
        return cls(f"Intercom rejected the note: {message}.", status=status, body=body)

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


def _message(body) -> str:
    if hasattr(body, "model_dump"):  # the SDK parsed it into its error model
        body = body.model_dump()
    if isinstance(body, dict):
        errors = body.get("errors") or []
        if errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("code"))
        return str(body.get("message") or "no details")
    return clip(body, 300)

"""Pipedrive through pipedrive-python-lib: API token; notes on the person found by email."""
from __future__ import annotations

import html
import logging

import requests
from pipedrive.client import Client
from pipedrive.exceptions import BaseError

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

logger = logging.getLogger(__name__)

API_HOST = "https://api.pipedrive.com"


@register
class PipedriveProvider(CrmProvider):
    key = "pipedrive"
    label = "Pipedrive"
    credential_fields = (
        CredentialField("api_token", "API token", secret=True,
                        help_text="Personal preferences → API → Your personal API token."),
    )
    target_objects = ("note",)
    default_target_object = "note"
    max_batch = 1
    errors = ErrorWording(
        subject="the request",
        credentials="the API token",
        auth_advice="Copy your personal API token again from Personal preferences → API.",
        # Pipedrive's reset header is the seconds left in its rate-limit window.
        reset_header="X-RateLimit-Reset",
        default_retry_after=10.0,
    )
    setup_help = (
        "In Pipedrive: your profile → Personal preferences → API, copy the personal API "
        "token. Each record becomes a note on the person with the user's email, created "
        "when missing."
    )

    @classmethod
    def default_mapping(cls, target_object: str) -> list[DefaultMapping]:
        return list(NOTE_DEFAULT_MAPPING)

    def _client(self) -> Client:
        client = _EgressClient(domain=api_host(self.key, API_HOST))
        client.session = self.session
        client.set_api_token(self.credentials.get("api_token", ""))
        return client

    @property
    def _http(self) -> dict:
        """Keyword arguments for every call: the library passes them on to requests."""
        return {"timeout": self.session.timeout}

    def _call(self, operation):
        try:
            return operation(self._client())
        except BaseError as error:
            # pipedrive-python-lib raises one class per status, each holding the response.
            response = error.response
            raise self.error_for(status=response.status_code, headers=response.headers,
                                 body=response.text, code=_code(error),
                                 message=_message(error)) from None
        except requests.RequestException as error:
            # The library puts the token in the URL: name the failure, never the URL.
            raise transport_error("Pipedrive", error) from None

    # --- the interface -----------------------------------------------------------------------
    def validate_credentials(self) -> None:
        self._call(lambda pipedrive: pipedrive.users.get_me(**self._http))

    def push(self, records: list) -> list[PushResult]:
        return [self._note(record) for record in records]

    def _person_id(self, pipedrive: Client, record) -> int:
        user_id = record.source.get("user_id") or ""
        if record.email:
            term, field = record.email, "email"
            new = {"name": record.user_name or record.email,
                   "email": [{"value": record.email, "primary": True, "label": "work"}]}
        else:
            term, field = f"Meta Chat user {user_id}", "name"
            new = {"name": term}
        found = pipedrive.persons.search_persons(
            params={"term": term, "fields": field, "exact_match": "true", "limit": 1},
            **self._http,
        )
        items = ((found or {}).get("data") or {}).get("items") or []
        if items:
            return items[0]["item"]["id"]
        return pipedrive.persons.create_person(new, **self._http)["data"]["id"]

    def _note(self, record) -> PushResult:
        def write(pipedrive):
            content = "<br>".join(html.escape(line) for line in note_body(record).splitlines())
            person_id = self._person_id(pipedrive, record)
            return pipedrive.notes.create_note(
                {"content": content, "person_id": person_id}, **self._http)

        created = self._call(write)
        return PushResult(ok=True, record_id=str(created["data"]["id"]), status=201)


class _EgressClient(Client):
    """pipedrive-python-lib calls `requests.request`; this sends through the egress session."""

    session = None

    def _request(self, method, url, headers=None, params=None, **kwargs):
        _headers = {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}
        _params = {"api_token": self.api_token} if self.api_token else {}
        _headers.update(headers or {})
        _params.update(params or {})
        return self._parse(self.session.request(method, url, headers=_headers, params=_params,
                                                **kwargs))


def _json(error: BaseError) -> dict:
    try:
        body = error.response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _code(error: BaseError) -> str:
    code = _json(error).get("errorCode")
    return str(code) if isinstance(code, str) else ""


def _message(error: BaseError) -> str:
    body = _json(error)
    if not body:
        return clip(error.response.text, 300)
    return str(body.get("error") or body.get("error_info") or "no details")

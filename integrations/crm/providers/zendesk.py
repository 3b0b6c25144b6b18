"""Zendesk through zenpy: subdomain, agent email and API token; tickets with the transcript."""
from __future__ import annotations

import json
import logging
import re
from urllib.parse import urlsplit

import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket, User
from zenpy.lib.exception import APIException, RatelimitBudgetExceeded, ZenpyException

from integrations.crm.providers import register
from integrations.crm.providers.base import (
    CredentialField,
    CrmAuthError,
    CrmConfigError,
    CrmProvider,
    DefaultMapping,
    ErrorWording,
    PushResult,
    clip,
    transport_error,
)

logger = logging.getLogger(__name__)

TICKET_FIELDS = ("subject", "comment", "tags", "priority", "type", "status", "external_id")
_CUSTOM_FIELD = re.compile(r"custom_field:[0-9]{1,20}")
# One DNS label: what <subdomain>.zendesk.com can be (63 characters at most).
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@register
class ZendeskProvider(CrmProvider):
    key = "zendesk"
    label = "Zendesk"
    credential_fields = (
        CredentialField("subdomain", "Subdomain",
                        help_text="acme for acme.zendesk.com."),
        CredentialField("email", "Agent email",
                        help_text="The email of the agent the API token belongs to."),
        CredentialField("api_token", "API token", secret=True,
                        help_text="Admin Center → Apps and integrations → Zendesk API."),
    )
    target_objects = ("ticket",)
    default_target_object = "ticket"
    max_batch = 1
    errors = ErrorWording(
        subject="the ticket",
        auth_advice="Check the subdomain, the agent email and the API token, and that token "
        "access is enabled.",
        # Zendesk's reset header is the seconds left in its rate-limit window.
        reset_header="ratelimit-reset",
    )
    setup_help = (
        "In Zendesk: Admin Center → Apps and integrations → APIs → Zendesk API, enable "
        "token access and add an API token. Tickets are requested by the chat user (by "
        "email) and carry the transcript as an internal note."
    )

    @classmethod
    def target_field_problem(cls, target_field: str) -> str | None:
        if target_field.startswith("custom_field:") and not _CUSTOM_FIELD.fullmatch(target_field):
            return ("A Zendesk custom field is custom_field:<its numeric id>, "
                    "e.g. custom_field:360001234567.")
        return None

    @classmethod
    def default_mapping(cls, target_object: str) -> list[DefaultMapping]:
        return [
            DefaultMapping("subject", fixed_value="Meta Chat conversation {conversation_id}"),
            DefaultMapping("comment", source_field="transcript"),
            DefaultMapping("tags", fixed_value="metachat"),
            DefaultMapping("external_id", source_field="conversation_id"),
        ]

    @classmethod
    def clean_credentials(cls, credentials: dict) -> dict:
        cleaned = super().clean_credentials(credentials)
        subdomain = cleaned["subdomain"].lower()
        if "://" in subdomain:
            try:
                subdomain = urlsplit(subdomain).hostname or ""
            except ValueError:
                subdomain = ""
        subdomain = subdomain.removesuffix(".zendesk.com")
        if not _SUBDOMAIN.fullmatch(subdomain):
            raise ValueError("Subdomain is the acme of acme.zendesk.com: letters, digits and "
                             "hyphens, at most 63 characters.", "subdomain")
        cleaned["subdomain"] = subdomain
        return cleaned

    def _client(self) -> Zenpy:
        host = f"{self.credentials['subdomain']}.zendesk.com"
        override = _override_host()
        if override:
            host = override
        subdomain, _, domain = host.partition(".")
        return Zenpy(
            subdomain=subdomain, domain=domain, email=self.credentials.get("email", ""),
            token=self.credentials.get("api_token", ""), session=self.session,
            timeout=self.session.timeout,
            # Never sleep inside a delivery: a 429 goes back to the pipeline's schedule.
            ratelimit_budget=0,
        )

    def _call(self, operation):
        try:
            return operation(self._client())
        except RatelimitBudgetExceeded:
            # zenpy keeps no response on this one: the 429 is the session's last answer.
            raise self._error_for(self.session.last_response, status=429) from None
        except (APIException, requests.HTTPError) as error:
            raise self._error_for(getattr(error, "response", None)) from None
        except requests.RequestException as error:
            raise transport_error("Zendesk", error) from None
        except ZenpyException as error:
            raise CrmConfigError(f"Zendesk: {error}.") from None

    def _error_for(self, response, *, status: int | None = None):
        """What zenpy's exception holds: the requests response it failed on."""
        body = clip(getattr(response, "text", ""))
        return self.error_for(
            status=status or getattr(response, "status_code", None),
            headers=getattr(response, "headers", None), body=body, code=_code(body),
            message=_message(body))

    # --- the interface -----------------------------------------------------------------------
    def target_field_names(self) -> list[str] | None:
        fields = self._call(lambda zendesk: list(zendesk.ticket_fields()))
        # System fields (subject, status, …) cannot be removed; custom ones can.
        custom = [f"custom_field:{f.id}" for f in fields if getattr(f, "removable", False)]
        return sorted(TICKET_FIELDS) + custom

    def validate_credentials(self) -> None:
        me = self._call(lambda zendesk: zendesk.users.me())
        if getattr(me, "id", None) is None:
            raise CrmAuthError("Zendesk did not recognise the agent email and API token.")

    def push(self, records: list) -> list[PushResult]:
        return [self._create_ticket(record) for record in records]

    def _create_ticket(self, record) -> PushResult:
        fields = {k: v for k, v in record.fields.items() if v not in (None, "")}
        subject = str(fields.pop("subject", "Meta Chat conversation"))
        if record.is_test:
            subject = f"[Test] {subject}"
        body = str(fields.pop("comment", "") or subject)
        ticket = Ticket(subject=subject, comment=Comment(body=body, public=False))
        if tags := fields.pop("tags", ""):
            ticket.tags = [t.strip() for t in str(tags).replace(",", " ").split() if t.strip()]
        for name in ("priority", "type", "status", "external_id"):
            if name in fields:
                setattr(ticket, name, str(fields.pop(name)))
        custom = [
            {"id": int(name.removeprefix("custom_field:")), "value": value}
            for name, value in fields.items()
            if _CUSTOM_FIELD.fullmatch(name)
        ]
        if custom:
            ticket.custom_fields = custom
        if record.email:
            ticket.requester = User(email=record.email, name=record.user_name or record.email)
        audit = self._call(lambda zendesk: zendesk.tickets.create(ticket))
        return PushResult(ok=True, record_id=str(audit.ticket.id), status=201)


def _override_host() -> str:
    from integrations.crm.providers.base import api_host

    url = api_host(ZendeskProvider.key, "")
    return urlsplit(url).netloc if url else ""


def _code(body: str) -> str:
    try:
        error = json.loads(body or "{}").get("error")
    except (ValueError, AttributeError):
        return ""
    return error if isinstance(error, str) else ""


def _message(body: str) -> str:
    try:
        data = json.loads(body or "{}")
    except ValueError:
        return clip(body, 300)
    if not isinstance(data, dict):  # JSON, but not Zendesk's error object
        return clip(body, 300)
    error = data.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error.get("title") or error)
    details = data.get("details")
    if details:
        return f"{data.get('description') or error}: {clip(details, 300)}"
    return str(data.get("description") or error or "no details")

"""Salesforce through simple-salesforce: OAuth 2.0 client credentials, sObject records."""
from __future__ import annotations

import hashlib
import logging
import re
import threading

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
)

from integrations.crm.providers import register
from integrations.crm.providers.base import (
    CredentialField,
    CrmAuthError,
    CrmProvider,
    DefaultMapping,
    ErrorWording,
    PushResult,
    clip,
    is_permanent,
    transport_error,
)
from integrations.webhooks.ssrf import UnsafeURL, check_url

logger = logging.getLogger(__name__)

API_VERSION = "62.0"
_SOBJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")

# Access tokens by credentials, kept in this process only (never stored), reused until
# Salesforce says the session expired.
_tokens: dict[str, tuple[str, str]] = {}
_tokens_lock = threading.Lock()


@register
class SalesforceProvider(CrmProvider):
    key = "salesforce"
    label = "Salesforce"
    credential_fields = (
        CredentialField(
            "instance_url", "Instance URL",
            help_text="Your Salesforce address, e.g. https://acme.my.salesforce.com "
            "(na1.salesforce.com works too).",
        ),
        CredentialField("client_id", "Client ID", help_text="The Connected App's consumer key."),
        CredentialField(
            "client_secret", "Client Secret", secret=True,
            help_text="The Connected App's consumer secret.",
        ),
    )
    target_objects = ("Task", "Case")
    any_target_object = True
    default_target_object = "Task"
    max_batch = 200
    errors = ErrorWording(
        auth_advice="Check the Instance URL, Client ID and Client Secret, and that the "
        "Connected App allows the Client Credentials Flow.",
        forbidden_advice="Check the Run As user's permissions.",
        not_found_is_target_object=True,
    )
    setup_help = (
        "In Salesforce: Setup → App Manager → New Connected App, enable OAuth and the "
        "Client Credentials Flow, pick a Run As user, then copy the consumer key and secret."
    )

    @classmethod
    def default_mapping(cls, target_object: str) -> list[DefaultMapping]:
        if target_object == "Case":
            return [
                DefaultMapping("Subject", fixed_value="Meta Chat conversation {conversation_id}"),
                DefaultMapping("Description", source_field="transcript"),
                DefaultMapping("Origin", fixed_value="Web"),
                DefaultMapping("SuppliedEmail", source_field="user_email"),
                DefaultMapping("SuppliedName", source_field="user_name"),
            ]
        return [
            DefaultMapping("Subject", fixed_value="Meta Chat conversation {conversation_id}"),
            DefaultMapping("Description", source_field="transcript"),
            DefaultMapping("ActivityDate", source_field="timestamp", transform="date"),
            DefaultMapping("Status", fixed_value="Completed"),
        ]

    @classmethod
    def clean_credentials(cls, credentials: dict) -> dict:
        cleaned = super().clean_credentials(credentials)
        url = cleaned["instance_url"].rstrip("/")
        if not url.startswith(("https://", "http://")):
            url = "https://" + url
        if url.startswith("http://"):
            raise ValueError("Instance URL must start with https://.", "instance_url")
        try:
            check_url(url)  # the client secret is sent there: public addresses only
        except UnsafeURL as error:
            raise ValueError(f"Instance URL: {error}", "instance_url") from None
        cleaned["instance_url"] = url
        return cleaned

    @classmethod
    def clean_target_object(cls, target_object: str) -> str:
        if not _SOBJECT_NAME.match(target_object or ""):
            raise ValueError("Give an object's API name, e.g. Task, Case or Chat_Log__c.")
        return target_object

    # --- session ---------------------------------------------------------------------------
    @property
    def _instance_url(self) -> str:
        # Cleaned (and its address checked) when saved; the egress checks it at every connect.
        return str(self.credentials.get("instance_url", "")).rstrip("/")

    def _cache_key(self) -> str:
        raw = "\n".join(self.credentials.get(k, "") for k in ("instance_url", "client_id",
                                                                 "client_secret"))
        return hashlib.sha256(raw.encode()).hexdigest()

    def _login(self) -> tuple[str, str]:
        """Client-credentials grant against the instance's token endpoint."""
        token_url = f"{self._instance_url}/services/oauth2/token"
        try:
            response = self.session.post(
                token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.credentials.get("client_id", ""),
                    "client_secret": self.credentials.get("client_secret", ""),
                },
            )
        except requests.RequestException as error:
            raise transport_error("Salesforce", error, where=f" at {self._instance_url}") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        reason = str(body.get("error_description") or body.get("error") or response.reason)
        if response.status_code == 429 or response.status_code >= 500:
            raise self.error_for(status=response.status_code, headers=response.headers,
                                 body=response.text, code=str(body.get("error") or ""),
                                 message=reason)
        if response.status_code != 200 or "access_token" not in body:
            # Any other refusal of the token request is a refusal of the credentials.
            raise CrmAuthError(
                f"Salesforce refused the credentials ({reason}). {self.errors.auth_advice}",
                status=response.status_code, body=clip(response.text),
            )
        instance_url = body.get("instance_url") or self._instance_url
        try:
            check_url(instance_url)  # every later call, with the token, goes there
        except UnsafeURL as error:
            raise CrmAuthError(
                f"Salesforce's login answer points at an address Meta Chat will not call "
                f"({error})", status=response.status_code,
            ) from None
        token = (body["access_token"], instance_url)
        with _tokens_lock:
            _tokens[self._cache_key()] = token
        return token

    def _client(self, *, fresh: bool = False) -> Salesforce:
        token = None if fresh else _tokens.get(self._cache_key())
        access_token, instance_url = token or self._login()
        return Salesforce(
            instance_url=instance_url, session_id=access_token, session=self.session,
            version=API_VERSION,
        )

    def _call(self, operation):
        """Run `operation(client)`; on an expired session log in again once and retry."""
        try:
            return self._translate(operation, self._client())
        except SalesforceExpiredSession:
            logger.info("salesforce session expired; logging in again")
        try:
            return self._translate(operation, self._client(fresh=True))
        except SalesforceExpiredSession as error:
            raise CrmAuthError(
                "Salesforce rejected a freshly issued session. Check that the Connected "
                "App's Run As user may use the API.", status=401, body=clip(error.content),
            ) from None

    def _translate(self, operation, client):
        try:
            return operation(client)
        except SalesforceExpiredSession:
            raise
        except requests.RequestException as error:
            raise transport_error("Salesforce", error, where=f" at {self._instance_url}") from None
        except SalesforceError as error:
            raise self._error_for(error) from None

    def _error_for(self, error: SalesforceError):
        """What simple-salesforce's exception holds; the headers are the last response's
        (the library keeps only status and content)."""
        last = self.session.last_response
        return self.error_for(status=error.status, headers=last.headers if last is not None
                              else None, body=error.content, code=_error_code(error.content),
                              message=_first_message(error.content))

    # --- the interface -----------------------------------------------------------------------
    def target_field_names(self) -> list[str] | None:
        described = self._call(lambda sf: getattr(sf, self.target_object).describe())
        return sorted(f["name"] for f in described.get("fields", [])
                      if f.get("createable", True))

    def validate_credentials(self) -> None:
        self._login()
        self._call(lambda sf: getattr(sf, self.target_object).describe())

    def push(self, records: list) -> list[PushResult]:
        if len(records) == 1:
            return [self._create_one(records[0])]
        body = {
            "allOrNone": False,
            "records": [
                {"attributes": {"type": self.target_object}, **self._fields(record)}
                for record in records
            ],
        }
        results = self._call(
            lambda sf: sf.restful("composite/sobjects", method="POST", json=body)
        )
        return [_result_of(item) for item in results]

    def _create_one(self, record) -> PushResult:
        def create(sf):
            try:
                return getattr(sf, self.target_object).create(self._fields(record))
            except SalesforceMalformedRequest as error:
                return {"success": False, "errors": error.content, "status": error.status}

        return _result_of(self._call(create))

    def _fields(self, record) -> dict:
        fields = {key: value for key, value in record.fields.items() if value is not None}
        if record.is_test:
            for name in ("Subject", "Name"):
                if name in fields:
                    fields[name] = f"[Test] {fields[name]}"
        return fields


def _error_code(content) -> str:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode") or content[0].get("statusCode") or "")
    return ""


def _first_message(content) -> str:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        code = first.get("errorCode") or first.get("statusCode") or "ERROR"
        return f"{code}: {first.get('message', '')}".strip()
    if isinstance(content, dict):
        return str(content.get("message") or content.get("error") or content)
    return clip(content, 300)


def _result_of(item: dict) -> PushResult:
    if item.get("success"):
        return PushResult(ok=True, record_id=item.get("id", ""), status=item.get("status", 201))
    errors = item.get("errors") or []
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) \
        else {}
    code = str(first.get("statusCode") or first.get("errorCode") or "")
    status = item.get("status", 400)
    return PushResult(
        ok=False, error=f"Salesforce rejected the record: {_first_message(errors)}.",
        status=status, body=clip(errors), permanent=is_permanent(status=status, code=code),
        fields=tuple(str(f) for f in first.get("fields") or ()),
    )

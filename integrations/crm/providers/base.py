"""The interface every CRM provider implements, and the errors it raises.

A provider wraps one CRM's client library. It is built from a connection's decrypted
credentials and target object, and knows how to check the credentials, write one test
record and push a batch of records. Adding a CRM is adding a module beside this one.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings

from integrations.egress import EgressSession, RedirectRefused, UnsafeAddress

logger = logging.getLogger(__name__)


# --- errors: messages are written for the operator who reads them in the admin -----------
class CrmError(Exception):
    """The CRM call failed; `str(error)` says why in words an operator understands.

    `permanent`: trying again cannot help (refused credentials, an unknown field or object,
    no permission) — the delivery stops retrying and the connection goes to Error. Else the
    failure is transient (outage, rate limit) and the delivery is retried."""

    permanent = False

    def __init__(self, message: str, *, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class CrmAuthError(CrmError):
    """The CRM refused the credentials: the connection goes to `error` until fixed."""

    permanent = True


class CrmConfigError(CrmError):
    """The connection names something the CRM does not have (e.g. an unknown object)."""

    permanent = True

    def __init__(self, message: str, *, field: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.field = field


# Error codes CRMs use for a refusal worth retrying, though its status is a 4xx.
TRANSIENT_ERROR_CODES = frozenset({
    "UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "RATE_LIMITS",
    "TOO_MANY_REQUESTS", "LOCK_ERROR", "CONCURRENT_MODIFICATION",
})
# Statuses that are the CRM's momentary state, not the request's fault.
TRANSIENT_STATUSES = frozenset({408, 409, 423, 425, 429})


def is_permanent(*, status: int | None, code: str = "") -> bool:
    """The one rule for every provider: would the same request fail again, whenever sent?

    A 4xx (other than timeouts, conflicts, locks and rate limits) is the request's fault and
    permanent, unless the CRM's error code says it is momentary; a 5xx, no answer, or a
    rate limit is transient."""
    if code and code.upper() in TRANSIENT_ERROR_CODES:
        return False
    return status is not None and 400 <= status < 500 and status not in TRANSIENT_STATUSES


class CrmRateLimited(CrmError):
    """The CRM asked us to slow down; `retry_after` is its hint in seconds."""

    def __init__(self, message: str, *, retry_after: float | None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class CrmUnavailable(CrmError):
    """The CRM could not be reached or failed on its side; worth trying again later."""


# --- descriptions of a provider, for forms and docs ----------------------------------------
@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    secret: bool = False
    help_text: str = ""


@dataclass(frozen=True)
class DefaultMapping:
    target_field: str
    source_field: str = ""
    fixed_value: str = ""
    transform: str = ""


@dataclass
class PushResult:
    """What happened to one record of a push."""

    ok: bool
    record_id: str = ""
    error: str = ""
    status: int | None = None
    body: str = ""
    # A rejection that would recur on every retry (see `is_permanent`), and the target
    # fields the CRM named as the cause, when it named any.
    permanent: bool = False
    fields: tuple[str, ...] = ()


# --- HTTP through the egress: address checked and pinned, no redirects, a timeout ---------
class CrmSession(EgressSession):
    """One connection's session on the process's shared egress pools.

    Its own object because client libraries set credentials and headers on the session
    they are given (zenpy does); every call has `CRM_HTTP_TIMEOUT`, trusts `CRM_CA_BUNDLE`
    if set, and a redirect is an error rather than a second request (a token endpoint
    must not bounce the client secret elsewhere)."""

    def __init__(self, *, timeout: float | None = None):
        super().__init__(timeout=timeout or settings.CRM_HTTP_TIMEOUT, raise_on_redirect=True,
                         ca_bundle=settings.CRM_CA_BUNDLE or None)
        self.last_response: requests.Response | None = None
        self.hooks["response"].append(self._remember)

    def _remember(self, response, *args, **kwargs):
        self.last_response = response


def transport_error(label: str, error: BaseException, *, where: str = "") -> CrmError:
    """The one translation of an HTTP exchange that failed below the CRM's API (whatever
    client library raised it): a refused address or a redirect is the connection's problem
    (permanent), anything else an outage (try again later)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, UnsafeAddress):
            return CrmConfigError(
                f"{label}{where} resolves to {cause}, which is not a public address; Meta Chat "
                "only calls public addresses.", field="credentials")
        if isinstance(cause, RedirectRefused):
            return CrmConfigError(
                f"{label}{where} answered with a redirect ({cause}); Meta Chat does not follow "
                "redirects with credentials. Use the address the CRM redirects to.",
                field="credentials", status=cause.status)
        cause = cause.__cause__ or cause.__context__
    return CrmUnavailable(f"Could not reach {label}{where}: {error.__class__.__name__}.")


def api_host(provider_key: str, default: str) -> str:
    """The provider's API address: `CRM_API_HOSTS[provider]` when set, else its public one."""
    return (settings.CRM_API_HOSTS.get(provider_key) or default).rstrip("/")


def retry_after_seconds(value, default: float = 60.0, *, now: float | None = None) -> float:
    """A Retry-After header as seconds from now: its delay-seconds form, or its HTTP-date
    form (RFC 9110 §10.2.3); the default when absent or unreadable."""
    if value is None or str(value).strip() == "":
        return default
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = parsedate_to_datetime(str(value).strip())
    except (TypeError, ValueError, IndexError):
        return default
    if when.tzinfo is None:  # an HTTP date is GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


# Error codes that mean "slow down" whatever status carries them (Salesforce answers a spent
# daily API allowance with 403 REQUEST_LIMIT_EXCEEDED).
RATE_LIMIT_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "RATE_LIMITS", "TOO_MANY_REQUESTS"})


@dataclass(frozen=True)
class ErrorWording:
    """How one CRM's refusals read to the operator (the provider's class sets its own)."""

    # what a refusal of a write names: "the record", "the note", "the ticket"
    subject: str = "the record"
    # what a 401 (and a 403, unless `forbidden_advice` is set) says was refused, and the fix
    credentials: str = "the credentials"
    auth_advice: str = "Check the credentials."
    # a 403 that is a missing permission rather than refused credentials, and its fix
    forbidden_advice: str = ""
    # a 404 means the connection's target object does not exist (its name is in the path)
    not_found_is_target_object: bool = False
    # the CRM's own rate-limit reset header, read when Retry-After is absent: either seconds
    # to wait or (`reset_is_epoch`) the Unix time the window reopens
    reset_header: str = ""
    reset_is_epoch: bool = False
    default_retry_after: float = 60.0


def crm_error(
    *, label: str, wording: ErrorWording, status: int | None, headers=None, body="",
    code: str = "", message: str = "", target_object: str = "", now: float | None = None,
) -> CrmError:
    """The one translation of a CRM's refusal into the error the pipeline acts on.

    A provider extracts what its client library's exception holds (the HTTP status, the
    response headers and body, the CRM's own error code and message) and this decides:
    a rate limit (429 or a rate-limit code) is `CrmRateLimited` with the wait read from
    `Retry-After` (seconds or an HTTP date) or the CRM's reset header; refused credentials
    or permissions are `CrmAuthError`; a 5xx is `CrmUnavailable`; any other refusal is
    permanent (`CrmConfigError`) or transient (`CrmUnavailable`) by `is_permanent`."""
    body = clip(body)
    message = message or "no details"
    code = (code or "").strip()
    if status == 429 or code.upper() in RATE_LIMIT_CODES:
        seconds = _retry_after(headers, wording, now=now)
        detail = f" ({message})" if message != "no details" else ""
        return CrmRateLimited(
            f"{label} asked to slow down{detail}; retrying after {seconds:g} s.",
            retry_after=seconds, status=status, body=body)
    if status == 403 and wording.forbidden_advice:
        return CrmAuthError(f"{label} refused the request ({message}). "
                            f"{wording.forbidden_advice}", status=status, body=body)
    if status in (401, 403):
        return CrmAuthError(f"{label} refused {wording.credentials} ({message}). "
                            f"{wording.auth_advice}", status=status, body=body)
    if status == 404 and wording.not_found_is_target_object and target_object:
        return CrmConfigError(f"{label} has no object named {target_object!r}.",
                              field="target_object", status=status, body=body)
    if status is not None and status >= 500:
        return CrmUnavailable(f"{label} failed ({status}): {message}.", status=status, body=body)
    cls = CrmConfigError if is_permanent(status=status, code=code) else CrmUnavailable
    return cls(f"{label} rejected {wording.subject}: {message}.", status=status, body=body)


def _retry_after(headers, wording: ErrorWording, *, now: float | None) -> float:
    # Header names are case-insensitive; client libraries hand them over in any case.
    found = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    if found.get("retry-after") not in (None, ""):
        return retry_after_seconds(found["retry-after"], wording.default_retry_after, now=now)
    reset = found.get(wording.reset_header.lower()) if wording.reset_header else None
    if reset not in (None, ""):
        try:
            seconds = float(reset)
        except (TypeError, ValueError):
            return wording.default_retry_after
        if wording.reset_is_epoch:
            seconds -= time.time() if now is None else now
        return max(0.0, seconds)
    return wording.default_retry_after


def clip(text, limit: int = 4000) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[:limit] + "…"


class CrmProvider:
    """One CRM. Subclasses set the class attributes and implement the methods below."""

    key: str = ""
    label: str = ""
    credential_fields: tuple[CredentialField, ...] = ()
    # What a record can become; the operator may also type another name where
    # `any_target_object` is true (Salesforce: any sObject).
    target_objects: tuple[str, ...] = ()
    any_target_object: bool = False
    default_target_object: str = ""
    # Records per push call (1 when the CRM has no batch endpoint).
    max_batch: int = 1
    # Shown in the admin beside the connect form.
    setup_help: str = ""
    # How this CRM's refusals read (see `crm_error`).
    errors: ErrorWording = ErrorWording()

    def __init__(self, *, credentials: dict, target_object: str = "", session=None):
        self.credentials = credentials or {}
        self.target_object = target_object or self.default_target_object
        self.session = session or CrmSession()

    def error_for(self, *, status: int | None, headers=None, body="", code: str = "",
                  message: str = "") -> CrmError:
        """This CRM's refusal as a CrmError: the provider extracts the fields from its client
        library's exception, `crm_error` decides what they mean."""
        return crm_error(label=self.label, wording=self.errors, status=status, headers=headers,
                         body=body, code=code, message=message,
                         target_object=self.target_object)

    # --- descriptions ------------------------------------------------------------------------
    @classmethod
    def default_mapping(cls, target_object: str) -> list[DefaultMapping]:
        """The field mapping a new connection starts with for `target_object`."""
        raise NotImplementedError("Return the default DefaultMapping rows for target_object.")

    @classmethod
    def target_field_problem(cls, target_field: str) -> str | None:
        """What is wrong with writing to `target_field` in this CRM, or None when it is fine.
        Providers whose field names follow a pattern say so here, so a mapping is refused
        when saved rather than failing at every push."""
        return None

    @classmethod
    def clean_credentials(cls, credentials: dict) -> dict:
        """Strip the values and require every credential field; returns the cleaned dict.

        Raises ValueError naming the first missing field's label."""
        cleaned = {}
        for field in cls.credential_fields:
            value = str(credentials.get(field.name) or "").strip()
            if not value:
                raise ValueError(f"{field.label} is required.", field.name)
            if field.secret and not (value.isascii() and value.isprintable()):
                # Tokens travel in HTTP headers, which carry ASCII only; a paste with a stray
                # character is a typo, not a token.
                raise ValueError(
                    f"{field.label} may hold only printable ASCII characters; check the paste.",
                    field.name,
                )
            cleaned[field.name] = value
        return cleaned

    # --- calls to the CRM --------------------------------------------------------------------
    def target_field_names(self) -> list[str] | None:
        """The field names the target object has in this CRM (its own list: Salesforce's
        describe, HubSpot's properties, Zendesk's ticket fields), so a mapping to a field
        that does not exist is refused when saved. None where targets are free text (the
        line labels of a note)."""
        return None

    def validate_credentials(self) -> None:
        """Log in to the CRM and check that the target object can be written.

        Raises CrmAuthError for refused credentials, CrmConfigError for a target object the
        CRM does not have, CrmUnavailable when the CRM cannot be reached."""
        raise NotImplementedError("Check the credentials against the CRM.")

    def push(self, records: list) -> list[PushResult]:
        """Write `records` (at most `max_batch`), returning one PushResult per record in
        the same order. A record the CRM rejects is a failed PushResult; a failure of the
        whole call (credentials, rate limit, outage) raises the matching CrmError.
        An expired access token is refreshed once and the call retried."""
        raise NotImplementedError("Write the records to the CRM.")

    def create_test_record(self, record) -> str:
        """Write one clearly labelled test record and return the id the CRM gave it."""
        (result,) = self.push([record])
        if not result.ok:
            raise CrmConfigError(result.error, status=result.status, body=result.body)
        return result.record_id


# What note-based CRMs (Intercom, Pipedrive) write by default: the lines of `note_body`.
NOTE_DEFAULT_MAPPING = (
    DefaultMapping("Conversation", source_field="conversation_id"),
    DefaultMapping("When", source_field="timestamp", transform="datetime"),
    DefaultMapping("Confidence", source_field="confidence"),
    DefaultMapping("Transcript", source_field="transcript"),
)


def note_body(record, *, title: str = "Meta Chat conversation") -> str:
    """Mapped fields as the lines of a note (`Label: value`), for note-based CRMs."""
    lines = []
    heading = record.fields.get("title") or title
    if record.is_test:
        heading = f"[Test] {heading}"
    lines.append(str(heading))
    for label, value in record.fields.items():
        if label == "title" or value in (None, ""):
            continue
        text = str(value)
        lines.append(f"{label}:\n{text}" if "\n" in text else f"{label}: {text}")
    return "\n".join(lines)

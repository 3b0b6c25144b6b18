"""The one translation of a CRM's refusal (`crm_error`): rate limits with their wait read
from Retry-After (seconds or an HTTP date) or the CRM's reset header, permanent 4xx, transient
5xx — what every provider hands it after extracting its client library's exception."""
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from integrations.crm.providers.base import (
    CrmAuthError,
    CrmConfigError,
    CrmRateLimited,
    CrmUnavailable,
    ErrorWording,
    crm_error,
    retry_after_seconds,
)
from integrations.crm.providers.intercom import IntercomProvider
from integrations.crm.providers.pipedrive import PipedriveProvider
from integrations.crm.providers.salesforce import SalesforceProvider

NOW = 1_800_000_000.0  # a fixed "now", so a date or an epoch becomes an exact wait
WORDING = ErrorWording(subject="the note", credentials="the token", auth_advice="Paste it again.",
                       reset_header="X-RateLimit-Reset", reset_is_epoch=True,
                       default_retry_after=10.0)


def translate(status, *, headers=None, code="", message="", wording=WORDING):
    return crm_error(label="Acme CRM", wording=wording, status=status, headers=headers,
                     body='{"error": "x"}', code=code, message=message, now=NOW)


def test_a_429_waits_the_retry_after_seconds():
    error = translate(429, headers={"Retry-After": "17"}, message="Too many requests")

    assert type(error) is CrmRateLimited and error.permanent is False
    assert error.retry_after == 17 and error.status == 429
    assert str(error) == ("Acme CRM asked to slow down (Too many requests); "
                          "retrying after 17 s.")


def test_a_429_waits_until_the_retry_after_http_date():
    when = format_datetime(datetime.fromtimestamp(NOW + 42, tz=UTC), usegmt=True)

    error = translate(429, headers={"retry-after": when})  # any case of the header's name

    assert type(error) is CrmRateLimited and error.retry_after == 42
    assert "retrying after 42 s" in str(error)


def test_without_retry_after_the_crms_reset_header_is_read():
    # an epoch reset (Intercom's kind)
    error = translate(429, headers={"x-ratelimit-reset": str(int(NOW + 25))})
    assert type(error) is CrmRateLimited and error.retry_after == 25
    # a seconds-left reset (Pipedrive's kind)
    seconds_left = ErrorWording(reset_header="X-RateLimit-Reset")
    assert translate(429, headers={"X-RateLimit-Reset": "3"},
                     wording=seconds_left).retry_after == 3
    # Retry-After wins over the reset header; neither readable: the CRM's default
    assert translate(429, headers={"Retry-After": "5", "X-RateLimit-Reset": str(NOW + 99)}
                     ).retry_after == 5
    assert translate(429, headers={"Retry-After": "soon"}).retry_after == 10
    assert translate(429).retry_after == 10
    # a date in the past is "now", never a negative wait
    assert translate(429, headers={"Retry-After": "Thu, 01 Jan 2015 00:00:00 GMT"}
                     ).retry_after == 0


def test_a_rate_limit_code_is_a_rate_limit_whatever_the_status():
    error = translate(403, code="REQUEST_LIMIT_EXCEEDED", headers={"Retry-After": "60"})
    assert type(error) is CrmRateLimited and error.retry_after == 60


def test_a_permanent_4xx_is_a_config_error_naming_the_crms_reason():
    error = translate(400, code="INVALID_FIELD", message="No such column 'Confidence__c'")

    assert type(error) is CrmConfigError and error.permanent is True and error.status == 400
    assert str(error) == "Acme CRM rejected the note: No such column 'Confidence__c'."


def test_refused_credentials_are_an_auth_error_with_the_fix():
    error = translate(401, message="Token expired")
    assert type(error) is CrmAuthError and error.permanent is True
    assert str(error) == "Acme CRM refused the token (Token expired). Paste it again."
    # where a 403 is a missing permission, it says so
    forbidden = ErrorWording(forbidden_advice="Grant the scope.")
    assert str(translate(403, message="no", wording=forbidden)) == (
        "Acme CRM refused the request (no). Grant the scope.")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_is_transient(status):
    error = translate(status, message="Internal error")

    assert type(error) is CrmUnavailable and error.permanent is False
    assert str(error) == f"Acme CRM failed ({status}): Internal error."


def test_a_transient_4xx_or_code_is_retried_not_an_error_state():
    assert type(translate(409, message="conflict")) is CrmUnavailable
    assert type(translate(400, code="UNABLE_TO_LOCK_ROW", message="locked")) is CrmUnavailable


def test_retry_after_seconds_reads_both_forms():
    assert retry_after_seconds("2.5") == 2.5
    assert retry_after_seconds("-4") == 0
    assert retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT",
                               now=datetime(2026, 10, 21, 7, 27, tzinfo=UTC).timestamp()) == 60
    assert retry_after_seconds(None, 7) == 7 and retry_after_seconds("", 7) == 7


def test_each_provider_speaks_through_the_same_translation():
    salesforce = SalesforceProvider(credentials={}, target_object="Chat_Log__c")
    missing = salesforce.error_for(status=404, message="NOT_FOUND: The requested resource "
                                   "does not exist")
    assert type(missing) is CrmConfigError and missing.field == "target_object"
    assert str(missing) == "Salesforce has no object named 'Chat_Log__c'."

    intercom = IntercomProvider(credentials={})
    limited = intercom.error_for(status=429, headers={"X-RateLimit-Reset": "9999999999"})
    assert type(limited) is CrmRateLimited and limited.retry_after > 10**9 // 2

    pipedrive = PipedriveProvider(credentials={})
    limited = pipedrive.error_for(status=429, headers={"x-ratelimit-reset": "4"})
    assert type(limited) is CrmRateLimited and limited.retry_after == 4
    assert "Pipedrive refused the API token (unauthorized access)" in str(
        pipedrive.error_for(status=401, message="unauthorized access"))


@pytest.mark.parametrize("body", ['["upstream", "failed"]', '"Bad Gateway"', "42"])
def test_a_zendesk_error_body_that_is_json_but_no_object_is_quoted(body):
    from integrations.crm.providers.zendesk import ZendeskProvider

    class Response:
        status_code, headers, text = 502, {}, body

    provider = ZendeskProvider(credentials={"subdomain": "acme"})
    error = provider._error_for(Response())

    assert type(error) is CrmUnavailable and body in str(error)

"""Zendesk (zenpy), Intercom (official SDK) and Pipedrive (pipedrive-python-lib) against
local stand-ins."""
import pytest

from integrations.crm.models import CrmConnection
from integrations.crm.providers.base import CrmAuthError, CrmRateLimited
from integrations.crm.services import (
    CrmInputError,
    crm_connection_connect,
    crm_connection_test,
    crm_records_push,
)
from tests.integrations.crm.payloads import ended, message_sent

JANE = {"name": "Jane Doe", "email": "jane@example.com"}


# --- Zendesk ----------------------------------------------------------------------------------
def test_zendesk_ticket_carries_the_transcript_and_the_requester(zendesk, zendesk_connection):
    (result,) = crm_records_push(connection=zendesk_connection,
                                 payloads=[message_sent(user=JANE)])

    (ticket,) = zendesk.tickets
    assert result.ok and result.record_id == str(ticket["id"])
    assert ticket["subject"] == "Meta Chat conversation conv_abc123"
    assert ticket["comment"] == {
        "body": "User: How long is shipping?\nBot: Shipping takes 3-5 business days.",
        "public": False}
    assert ticket["requester"] == {"email": "jane@example.com", "name": "Jane Doe"}
    assert ticket["tags"] == ["metachat"]
    assert ticket["external_id"] == "conv_abc123"


def test_zendesk_test_connection_creates_a_labelled_ticket(zendesk, zendesk_connection):
    record_id = crm_connection_test(connection=zendesk_connection)

    assert zendesk.tickets[0]["subject"] == "[Test] Meta Chat conversation conv_test"
    assert record_id == str(zendesk.tickets[0]["id"])


def test_zendesk_bad_token_is_refused_clearly(workspace, zendesk):
    with pytest.raises(CrmInputError) as refused:
        crm_connection_connect(
            workspace=workspace, provider="zendesk", name="S",
            credentials={"subdomain": "https://acme.zendesk.com", "email": zendesk.email,
                         "api_token": "nope"},
        )

    assert "Zendesk refused the credentials (Couldn't authenticate you)" in str(refused.value)


def test_zendesk_rate_limit_is_not_slept_through(zendesk, zendesk_connection):
    zendesk.rate_limit_next(retry_after=30)

    with pytest.raises(CrmRateLimited) as limited:
        crm_records_push(connection=zendesk_connection, payloads=[ended()])

    assert limited.value.retry_after == 30
    assert zendesk.tickets == []


# --- Intercom ---------------------------------------------------------------------------------
def test_intercom_note_goes_on_the_contact_found_by_email(intercom, intercom_connection):
    intercom.contacts["c0"] = {"type": "contact", "id": "c0", "email": "jane@example.com"}

    (result,) = crm_records_push(connection=intercom_connection,
                                 payloads=[message_sent(user=JANE)])

    (note,) = intercom.notes
    assert result.ok and result.record_id == note["id"]
    assert note["contact"]["id"] == "c0"
    assert note["body"] == (
        "<p>Meta Chat conversation</p><p>Conversation: conv_abc123</p>"
        "<p>When: 2025-01-15T10:30:00Z</p><p>Confidence: 0.95</p><p>Transcript:</p>"
        "<p>User: How long is shipping?</p><p>Bot: Shipping takes 3-5 business days.</p>"
    )
    assert len(intercom.contacts) == 1


def test_intercom_without_an_email_uses_the_user_id_as_external_id(intercom,
                                                                    intercom_connection):
    crm_records_push(connection=intercom_connection, payloads=[ended()])

    (contact,) = intercom.contacts.values()
    assert contact["external_id"] == "user_xyz789"
    assert intercom.notes[0]["contact"]["id"] == contact["id"]


def test_intercom_revoked_token_puts_the_connection_in_error(intercom, intercom_connection):
    intercom.access_token = "rotated"

    with pytest.raises(CrmAuthError):
        crm_records_push(connection=intercom_connection, payloads=[ended()])

    intercom_connection.refresh_from_db()
    assert intercom_connection.status == CrmConnection.Status.ERROR
    assert "Intercom refused the access token (Access Token Invalid)" in (
        intercom_connection.last_error)


def test_intercom_rate_limit_surfaces_the_hint(intercom, intercom_connection):
    intercom.rate_limit_next(retry_after=12)

    with pytest.raises(CrmRateLimited) as limited:
        crm_records_push(connection=intercom_connection, payloads=[ended()])

    assert limited.value.retry_after == 12


# --- Pipedrive --------------------------------------------------------------------------------
def test_pipedrive_note_goes_on_a_person_created_by_email(pipedrive, pipedrive_connection):
    (first,) = crm_records_push(connection=pipedrive_connection,
                                payloads=[message_sent(user=JANE)])
    (second,) = crm_records_push(connection=pipedrive_connection,
                                 payloads=[message_sent("conv_2", user=JANE)])

    (person,) = pipedrive.persons.values()
    assert person["name"] == "Jane Doe"
    assert person["email"][0]["value"] == "jane@example.com"
    assert [n["person_id"] for n in pipedrive.notes] == [person["id"], person["id"]]
    assert pipedrive.notes[0]["content"].startswith(
        "Meta Chat conversation<br>Conversation: conv_abc123<br>")
    assert first.record_id == str(pipedrive.notes[0]["id"])
    assert second.ok


def test_pipedrive_test_connection_creates_a_labelled_note(pipedrive, pipedrive_connection):
    record_id = crm_connection_test(connection=pipedrive_connection)

    assert pipedrive.notes[0]["content"].startswith("[Test] Meta Chat conversation")
    assert record_id == str(pipedrive.notes[0]["id"])


def test_pipedrive_bad_token_is_refused_without_echoing_it(workspace, pipedrive):
    with pytest.raises(CrmInputError) as refused:
        crm_connection_connect(workspace=workspace, provider="pipedrive", name="D",
                               credentials={"api_token": "wrong-token-123"})

    assert "Pipedrive refused the API token (unauthorized access)" in str(refused.value)
    assert "wrong-token-123" not in str(refused.value)


def test_pipedrive_rate_limit_surfaces_the_hint(pipedrive, pipedrive_connection):
    pipedrive.rate_limit_next(retry_after=2)

    with pytest.raises(CrmRateLimited) as limited:
        crm_records_push(connection=pipedrive_connection, payloads=[ended()])

    assert limited.value.retry_after == 2

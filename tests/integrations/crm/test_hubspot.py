"""HubSpot through hubspot-api-client against a local stand-in."""
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


def test_a_bad_token_is_refused_with_a_clear_message(workspace, hubspot):
    with pytest.raises(CrmInputError) as refused:
        crm_connection_connect(workspace=workspace, provider="hubspot", name="M",
                               credentials={"access_token": "pat-wrong"})

    assert "HubSpot refused the access token (Authentication credentials not found.)" in str(
        refused.value)
    assert not CrmConnection.objects.exists()


def test_a_conversation_becomes_a_note_on_the_contact_found_by_email(hubspot, hubspot_connection):
    hubspot.objects["contacts"]["7"] = {"properties": {"email": "jane@example.com"},
                                        "associations": []}

    (result,) = crm_records_push(connection=hubspot_connection,
                                 payloads=[message_sent(user=JANE)])

    note = hubspot.objects["notes"][result.record_id]
    assert note["properties"] == {
        "hs_timestamp": "2025-01-15T10:30:00Z",
        "hs_note_body": "Meta Chat conversation conv_abc123\n"
        "User: How long is shipping?\nBot: Shipping takes 3-5 business days.",
    }
    assert note["associations"] == [{"to": {"id": "7"}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]}]
    assert len(hubspot.objects["contacts"]) == 1


def test_an_unknown_email_creates_the_contact_first(hubspot, hubspot_connection):
    (result,) = crm_records_push(connection=hubspot_connection,
                                 payloads=[message_sent(user=JANE)])

    ((contact_id, contact),) = hubspot.objects["contacts"].items()
    assert contact["properties"] == {"email": "jane@example.com", "firstname": "Jane",
                                     "lastname": "Doe"}
    assert hubspot.objects["notes"][result.record_id]["associations"][0]["to"] == {
        "id": contact_id}


def test_a_batch_uses_batch_create(hubspot, hubspot_connection):
    results = crm_records_push(connection=hubspot_connection,
                               payloads=[ended(f"conv_{i}") for i in range(5)])

    assert all(r.ok for r in results)
    assert hubspot.batches == [5]
    bodies = [hubspot.objects["notes"][r.record_id]["properties"]["hs_note_body"]
              for r in results]
    assert [b.splitlines()[0] for b in bodies] == [
        f"Meta Chat conversation conv_{i}" for i in range(5)]


def test_tickets_are_created_when_chosen(workspace, hubspot):
    connection = crm_connection_connect(
        workspace=workspace, provider="hubspot", name="Support", target_object="ticket",
        credentials={"access_token": hubspot.access_token},
    )

    record_id = crm_connection_test(connection=connection)

    ticket = hubspot.objects["tickets"][record_id]
    assert ticket["properties"]["subject"] == "[Test] Meta Chat conversation conv_test"
    assert ticket["associations"][0]["types"][0]["associationTypeId"] == 16


def test_test_connection_creates_a_labelled_note(hubspot, hubspot_connection):
    record_id = crm_connection_test(connection=hubspot_connection)

    assert hubspot.objects["notes"][record_id]["properties"]["hs_note_body"].startswith(
        "[Test] Meta Chat conversation conv_test")


def test_a_rate_limit_surfaces_the_retry_hint(hubspot, hubspot_connection):
    hubspot.rate_limit_next(retry_after=3)

    with pytest.raises(CrmRateLimited) as limited:
        crm_records_push(connection=hubspot_connection, payloads=[ended()])

    assert limited.value.retry_after == 3


def test_a_revoked_token_puts_the_connection_in_error(hubspot, hubspot_connection):
    hubspot.access_token = "pat-rotated"

    with pytest.raises(CrmAuthError):
        crm_records_push(connection=hubspot_connection, payloads=[ended()])

    hubspot_connection.refresh_from_db()
    assert hubspot_connection.status == CrmConnection.Status.ERROR
    assert "Create a new token for the private app" in hubspot_connection.last_error


def test_a_batch_finds_and_creates_contacts_in_one_call_each(hubspot, hubspot_connection):
    results = crm_records_push(connection=hubspot_connection,
                               payloads=[message_sent(f"conv_{i}", user=JANE) for i in range(3)])

    (contact_id,) = hubspot.objects["contacts"]
    assert [hubspot.objects["notes"][r.record_id]["associations"][0]["to"]["id"]
            for r in results] == [contact_id] * 3
    assert [p for p in hubspot.paths("POST") if "/contacts" in p] == [
        "/crm/v3/objects/contacts/batch/read", "/crm/v3/objects/contacts/batch/create"]


def test_a_batch_mixes_known_and_new_contacts(hubspot, hubspot_connection):
    hubspot.objects["contacts"]["7"] = {"properties": {"email": "Known@Example.com"},
                                        "associations": []}
    payloads = [message_sent("conv_a", user={"name": "K", "email": "known@example.com"}),
                message_sent("conv_b", user={"name": "New Person", "email": "new@example.com"}),
                ended("conv_c")]

    results = crm_records_push(connection=hubspot_connection, payloads=payloads)

    notes = [hubspot.objects["notes"][r.record_id] for r in results]
    new_id = next(i for i, c in hubspot.objects["contacts"].items()
                  if c["properties"]["email"] == "new@example.com")
    assert [n["associations"][0]["to"]["id"] if n["associations"] else None
            for n in notes] == ["7", new_id, None]
    assert hubspot.objects["contacts"][new_id]["properties"] == {
        "email": "new@example.com", "firstname": "New", "lastname": "Person"}

"""Salesforce through simple-salesforce against an HTTPS stand-in."""
import pytest

from integrations.crm.models import CrmConnection
from integrations.crm.providers.base import CrmAuthError, CrmRateLimited
from integrations.crm.services import (
    CrmInputError,
    crm_connection_connect,
    crm_connection_test,
    crm_records_push,
)
from tests.integrations.crm.payloads import ended


def test_connect_logs_in_with_client_credentials_and_checks_the_object(
    salesforce, salesforce_connection
):
    assert salesforce_connection.status == CrmConnection.Status.CONNECTED
    assert salesforce_connection.target_object == "Task"
    assert salesforce.paths("POST")[0] == "/services/oauth2/token"
    assert salesforce.requests[0].form["grant_type"] == "client_credentials"
    assert any(p.endswith("/sobjects/Task/describe") for p in salesforce.paths("GET"))


def test_bad_credentials_are_refused_with_a_clear_message_and_nothing_saved(
    workspace, salesforce, salesforce_credentials
):
    with pytest.raises(CrmInputError) as refused:
        crm_connection_connect(
            workspace=workspace, provider="salesforce", name="Sales",
            credentials={**salesforce_credentials, "client_secret": "wrong"},
        )

    assert refused.value.code == "crm_credentials_rejected"
    assert "Salesforce refused the credentials (invalid client credentials)" in str(refused.value)
    assert "wrong" not in str(refused.value)
    assert not CrmConnection.objects.exists()


def test_an_unknown_object_is_named(workspace, salesforce, salesforce_credentials):
    with pytest.raises(CrmInputError) as refused:
        crm_connection_connect(
            workspace=workspace, provider="salesforce", name="Sales",
            credentials=salesforce_credentials, target_object="Chat_Log__c",
        )

    assert refused.value.fields == {
        "target_object": ["Salesforce has no object named 'Chat_Log__c'."]}


def test_test_connection_creates_a_labelled_task_and_returns_its_id(
    salesforce, salesforce_connection
):
    record_id = crm_connection_test(connection=salesforce_connection)

    (record,) = salesforce.records
    assert record["id"] == record_id
    assert record["object"] == "Task"
    assert record["fields"]["Subject"] == "[Test] Meta Chat conversation conv_test"
    assert "This is a test record from Meta Chat." in record["fields"]["Description"]
    assert record["fields"]["Status"] == "Completed"


def test_a_conversation_becomes_a_task_with_the_mapped_fields(salesforce, salesforce_connection):
    (result,) = crm_records_push(connection=salesforce_connection, payloads=[ended("conv_abc")])

    (record,) = salesforce.records
    assert result.ok and result.record_id == record["id"]
    assert record["via"] == "single"
    assert record["fields"] == {
        "Subject": "Meta Chat conversation conv_abc",
        "Description": "Conversation conv_abc, lasted 95 s, 4 messages, ended: ended_by_user.",
        "ActivityDate": "2025-01-15",
        "Status": "Completed",
    }


def test_a_batch_goes_through_sobject_collections(salesforce, salesforce_connection):
    results = crm_records_push(
        connection=salesforce_connection, payloads=[ended(f"conv_{i}") for i in range(3)]
    )

    assert [r.ok for r in results] == [True, True, True]
    assert [r["via"] for r in salesforce.records] == ["collection"] * 3
    assert [r["fields"]["Subject"][-6:] for r in salesforce.records] == [
        "conv_0", "conv_1", "conv_2"]
    assert salesforce.paths("POST")[-1].endswith("/composite/sobjects")


def test_more_than_200_records_are_split_into_calls_of_200(salesforce, salesforce_connection):
    results = crm_records_push(
        connection=salesforce_connection, payloads=[ended(f"conv_{i}") for i in range(201)]
    )

    assert len(results) == 201 and all(r.ok for r in results)
    calls = [p for p in salesforce.paths("POST") if p.endswith("composite/sobjects")]
    assert len(calls) == 1  # 200 in one collection call, the last one alone
    assert salesforce.records[-1]["via"] == "single"


def test_an_expired_session_is_refreshed_once_and_the_push_succeeds(
    salesforce, salesforce_connection
):
    crm_records_push(connection=salesforce_connection, payloads=[ended("conv_1")])
    salesforce.expire_tokens()

    (result,) = crm_records_push(connection=salesforce_connection, payloads=[ended("conv_2")])

    assert result.ok
    assert len(salesforce.records) == 2
    # The session from connecting was reused, refused once expired, and replaced.
    creates = [r for r in salesforce.requests if r.path.endswith("/sobjects/Task/")]
    assert [r.headers["authorization"] for r in creates] == [
        "Bearer 00DFAKE!token1", "Bearer 00DFAKE!token1", "Bearer 00DFAKE!token2"]
    salesforce_connection.refresh_from_db()
    assert salesforce_connection.status == CrmConnection.Status.CONNECTED


def test_a_rate_limit_surfaces_the_retry_hint(salesforce, salesforce_connection):
    salesforce.rate_limit_next(retry_after=7)

    with pytest.raises(CrmRateLimited) as limited:
        crm_records_push(connection=salesforce_connection, payloads=[ended()])

    assert limited.value.retry_after == 7
    assert salesforce.records == []


def test_revoked_credentials_put_the_connection_in_error(salesforce, salesforce_connection):
    salesforce.client_secret = "rotated"
    salesforce.expire_tokens()

    with pytest.raises(CrmAuthError):
        crm_records_push(connection=salesforce_connection, payloads=[ended()])

    salesforce_connection.refresh_from_db()
    assert salesforce_connection.status == CrmConnection.Status.ERROR
    assert "Salesforce refused the credentials" in salesforce_connection.last_error
    assert "Client Secret" in salesforce_connection.last_error


def test_a_rejected_field_is_a_failed_record_saying_which(salesforce, salesforce_connection):
    salesforce_connection.field_mappings.create(
        target_field="Confidence__c", source_field="confidence", position=9
    )

    (result,) = crm_records_push(
        connection=salesforce_connection, payloads=[ended(confidence=0.9)]
    )

    assert not result.ok
    assert "No such column 'Confidence__c' on sobject of type Task" in result.error

"""CRM errors an operator can act on: a mapping to a field the CRM does not have is refused
when saved (with the valid names); a permanent refusal at sync stops retrying, puts the
connection in Error with the CRM's reason and the mapping row, and alerts; a transient one
is retried."""
import pytest
from django.core import mail

from integrations.crm.models import CrmConnection, FieldMapping
from integrations.crm.providers.base import is_permanent
from integrations.crm.services import CrmInputError, crm_connection_connect, field_mappings_replace
from integrations.delivery.sending import delivery_send
from integrations.models import Delivery
from tests.integrations.crm.test_sync import dispatched, end_conversation

CONFIDENCE = {"sourceField": "confidence", "targetField": "Confidence__c"}
SUBJECT = {"fixedValue": "Chat {conversation_id}", "targetField": "Subject"}


def test_a_salesforce_mapping_to_a_field_the_object_lacks_is_refused_with_the_valid_names(
    crm_api, salesforce, salesforce_connection
):
    url = f"/v1/integrations/crm/{salesforce_connection.public_id}/field-mappings"

    response = crm_api.put(url, {"fieldMappings": [SUBJECT, CONFIDENCE]}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == ["fieldMappings.1"]
    message = error["fields"]["fieldMappings.1"][0]
    assert "Salesforce Task has no field 'Confidence__c'" in message
    assert "Valid fields: ActivityDate, Description, Priority, Status, Subject" in message
    assert salesforce_connection.field_mappings.count() == 4  # the old mapping, unchanged

    salesforce.objects["Task"].add("Confidence__c")  # the admin adds the custom field
    assert crm_api.put(url, {"fieldMappings": [SUBJECT, CONFIDENCE]},
                       format="json").status_code == 200
    assert set(salesforce_connection.field_mappings.values_list("target_field", flat=True)) == {
        "Subject", "Confidence__c"}


def test_hubspot_properties_and_zendesk_custom_fields_are_checked(
    workspace, hubspot, hubspot_connection, zendesk, zendesk_connection
):
    with pytest.raises(CrmInputError) as refused:
        field_mappings_replace(connection=hubspot_connection, mappings=[
            {"target_field": "hs_note_body", "source_field": "transcript"},
            {"target_field": "chat_score", "source_field": "confidence"}])
    assert "HubSpot note has no field 'chat_score'" in refused.value.message
    assert "hs_timestamp" in refused.value.message

    with pytest.raises(CrmInputError) as refused:
        field_mappings_replace(connection=zendesk_connection, mappings=[
            {"target_field": "custom_field:999", "source_field": "confidence"}])
    assert "custom_field:360001234567" in refused.value.message

    field_mappings_replace(connection=zendesk_connection, mappings=[
        {"target_field": "subject", "fixed_value": "Chat"},
        {"target_field": "custom_field:360001234567", "source_field": "confidence"}])
    assert zendesk_connection.field_mappings.count() == 2


def test_a_field_deleted_in_salesforce_stops_the_sync_names_the_row_and_alerts(
    operator, salesforce, salesforce_connection, django_capture_on_commit_callbacks
):
    # Given a mapping to a custom field that existed when saved, then was deleted in Salesforce
    salesforce.objects["Task"].add("Confidence__c")
    field_mappings_replace(connection=salesforce_connection, mappings=[
        {"target_field": "Subject", "fixed_value": "Chat"},
        {"target_field": "Confidence__c", "source_field": "duration"}])
    salesforce.objects["Task"].discard("Confidence__c")
    (delivery,) = dispatched(end_conversation(salesforce_connection.workspace))

    # When the record is pushed
    with django_capture_on_commit_callbacks(execute=True):
        delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    # Then it is not retried, and the connection says why and which row to fix
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.next_attempt_at is None
    salesforce_connection.refresh_from_db()
    assert salesforce_connection.status == CrmConnection.Status.ERROR
    assert "INVALID_FIELD" in salesforce_connection.last_error
    assert "field mapping row 2 (duration → Confidence__c)" in salesforce_connection.last_error
    assert "field mapping row 2" in delivery.attempts.get().error
    (alert,) = mail.outbox
    assert alert.to == [operator.email] and "needs attention" in alert.subject
    assert "Confidence__c" in alert.body


def test_a_crm_outage_is_retried_and_the_connection_stays_connected(
    salesforce, salesforce_connection
):
    salesforce.rate_limit_next(retry_after=30)
    (delivery,) = dispatched(end_conversation(salesforce_connection.workspace))

    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at is not None
    salesforce_connection.refresh_from_db()
    assert salesforce_connection.status == CrmConnection.Status.CONNECTED


def test_connecting_with_an_unknown_field_saves_nothing(workspace, salesforce,
                                                        salesforce_credentials):
    with pytest.raises(CrmInputError):
        crm_connection_connect(workspace=workspace, provider="salesforce", name="Sales",
                               credentials=salesforce_credentials, field_mappings=[
                                   {"target_field": "Nope__c", "source_field": "confidence"}])
    assert not CrmConnection.objects.exists() and not FieldMapping.objects.exists()


@pytest.mark.parametrize(("status", "code", "permanent"), [
    (400, "INVALID_FIELD", True), (403, "", True), (404, "NOT_FOUND", True),
    (401, "", True), (422, "", True), (400, "UNABLE_TO_LOCK_ROW", False),
    (429, "", False), (409, "", False), (500, "", False), (503, "", False), (None, "", False),
])
def test_one_rule_tells_permanent_from_transient(status, code, permanent):
    assert is_permanent(status=status, code=code) is permanent

"""End to end through the delivery pipeline: conversations that end are logged in the CRM."""
from datetime import timedelta

import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conversations.engine import Answer
from conversations.services import (
    conversation_end,
    conversation_start,
    end_user_identify,
    message_post,
)
from integrations.crm.models import CrmConnection
from integrations.crm.services import crm_connection_disconnect, crm_connection_reconnect
from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.models import Attempt, Delivery
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.helpers import wait_until

ENDED = {"conversationId": "conv_abc123", "userId": "user_xyz789", "duration": 95,
         "messageCount": 4, "reason": "ended_by_user"}


def end_conversation(workspace, conversation_id="conv_abc123"):
    """What the conversations service does when a conversation ends: publish the event."""
    with transaction.atomic():
        return event_publish(workspace=workspace, type=EventType.CONVERSATION_ENDED,
                             data={**ENDED, "conversationId": conversation_id})


def dispatched(event):
    """Fan the event out as the dispatch task does (no worker in these tests)."""
    return event_dispatch(event=event)


def test_a_conversation_that_ends_is_logged_in_salesforce(celery_worker, salesforce,
                                                          salesforce_connection):
    workspace = salesforce_connection.workspace
    user = end_user_identify(workspace=workspace, user_id="cust-42",
                             user_info={"name": "Jane Doe", "email": "jane@example.com"})
    conversation = conversation_start(workspace=workspace, end_user=user)
    message_post(conversation=conversation, text="How long is shipping?",
                 answer=Answer(text="Shipping takes 3-5 business days.", confidence=0.95))

    conversation = conversation_end(conversation=conversation)

    (record,) = wait_until(lambda: salesforce.records, timeout=15)
    assert record["object"] == "Task"
    assert record["fields"] == {
        "Subject": f"Meta Chat conversation {conversation.public_id}",
        "Description": "User: How long is shipping?\nBot: Shipping takes 3-5 business days.",
        "ActivityDate": conversation.ended_at.date().isoformat(),
        "Status": "Completed",
    }
    delivery = wait_until(lambda: Delivery.objects.filter(
        destination_kind="crm", status="succeeded").first())
    assert delivery.destination_id == salesforce_connection.pk
    assert delivery.event.type == "conversation.ended"
    (attempt,) = delivery.attempts.all()
    assert attempt.response_body == f'{{"id": "{record["id"]}"}}'
    salesforce_connection.refresh_from_db()
    assert salesforce_connection.last_success_at is not None


def test_a_message_is_logged_in_hubspot_on_the_users_contact(celery_worker, hubspot,
                                                             hubspot_connection):
    hubspot_connection.events = [EventType.MESSAGE_SENT]
    hubspot_connection.save()

    event_publish(workspace=hubspot_connection.workspace, type=EventType.MESSAGE_SENT, data={
        "conversationId": "conv_1", "userId": "user_1", "message": "How long is shipping?",
        "response": "Shipping takes 3-5 business days.", "confidence": 0.95,
        "user": {"name": "Jane Doe", "email": "jane@example.com"}})

    (note,) = wait_until(lambda: list(hubspot.objects["notes"].values()), timeout=15)
    assert "User: How long is shipping?" in note["properties"]["hs_note_body"]
    (contact_id,) = hubspot.objects["contacts"]
    assert note["associations"][0]["to"] == {"id": contact_id}


def test_waiting_conversations_go_in_one_collections_call(salesforce, salesforce_connection):
    events = [end_conversation(salesforce_connection.workspace, f"conv_{i}") for i in range(5)]
    deliveries = [d for event in events for d in dispatched(event)]

    sent = delivery_send(delivery_pk=deliveries[0].pk, attempts_made=0)

    assert len(sent) == 5
    assert [r["via"] for r in salesforce.records] == ["collection"] * 5
    assert sorted(r["fields"]["Subject"][-6:] for r in salesforce.records) == [
        f"conv_{i}" for i in range(5)]
    collection_calls = [p for p in salesforce.paths("POST") if p.endswith("composite/sobjects")]
    assert len(collection_calls) == 1
    assert set(Delivery.objects.filter(destination_kind="crm").values_list(
        "status", flat=True)) == {"succeeded"}


def test_an_expired_token_is_refreshed_within_the_delivery(salesforce, salesforce_connection):
    salesforce.expire_tokens()
    (delivery,) = dispatched(end_conversation(salesforce_connection.workspace))

    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempt_count == 1
    assert len(salesforce.records) == 1 and len(salesforce.issued_tokens) == 2


def test_a_rate_limit_schedules_the_retry_after_the_crms_hint(salesforce,
                                                              salesforce_connection):
    salesforce.rate_limit_next(retry_after=120)
    (delivery,) = dispatched(end_conversation(salesforce_connection.workspace))
    now = timezone.now()

    with time_machine.travel(now, tick=False):
        delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.next_attempt_at == now + timedelta(seconds=120)
    (attempt,) = delivery.attempts.all()
    assert attempt.response_status == 429
    assert "Salesforce asked to slow down" in attempt.error


def test_bad_credentials_set_error_and_alert_the_owners(
    operator, salesforce, salesforce_connection, django_capture_on_commit_callbacks
):
    salesforce.client_secret = "rotated"
    salesforce.expire_tokens()
    (delivery,) = dispatched(end_conversation(salesforce_connection.workspace))

    with django_capture_on_commit_callbacks(execute=True):
        delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    salesforce_connection.refresh_from_db()
    assert salesforce_connection.status == CrmConnection.Status.ERROR
    assert "Salesforce refused the credentials" in salesforce_connection.last_error
    assert salesforce_connection.failing_since is not None
    assert Attempt.objects.get(delivery=delivery).error.startswith(
        "Salesforce refused the credentials")
    (alert,) = mail.outbox
    assert alert.to == [operator.email]
    assert alert.subject == "[Meta Chat] CRM connection “Sales” is failing"
    assert "Salesforce refused the credentials" in alert.body
    assert salesforce.client_secret not in alert.body


def test_a_disconnected_connection_waits_and_catches_up_on_reconnect(
    celery_worker, salesforce, salesforce_connection
):
    crm_connection_disconnect(connection=salesforce_connection)
    queued = Delivery.objects.create(
        workspace=salesforce_connection.workspace,
        event=event_publish(workspace=salesforce_connection.workspace,
                            type=EventType.MESSAGE_SENT, data={"conversationId": "conv_q"}),
        destination_kind="crm", destination_id=salesforce_connection.pk, next_attempt_at=None,
    )
    later = end_conversation(salesforce_connection.workspace, "conv_while_off")

    crm_connection_reconnect(connection=salesforce_connection)

    wait_until(lambda: Delivery.objects.filter(pk=queued.pk, status="succeeded").exists(),
               timeout=15)
    assert not Delivery.objects.filter(event=later).exists()  # nobody subscribed then
    assert [r["fields"]["Subject"] for r in salesforce.records] == [
        "Meta Chat conversation conv_q"]


def test_the_sync_log_lists_the_connections_deliveries(client, operator, salesforce,
                                                       salesforce_connection):
    (delivery,) = dispatched(end_conversation(salesforce_connection.workspace))
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)
    client.force_login(operator)

    page = client.get(reverse("admin:crm_crmconnection_change",
                              args=[salesforce_connection.pk])).content.decode()
    listing = client.get(reverse("admin:integrations_delivery_changelist"),
                         {"destination_kind": "crm", "destination_id": salesforce_connection.pk})

    assert reverse("admin:integrations_delivery_change", args=[delivery.pk]) in page
    assert "conversation.ended" in page and "succeeded" in page
    assert listing.status_code == 200
    assert [d.pk for d in listing.context["cl"].result_list] == [delivery.pk]

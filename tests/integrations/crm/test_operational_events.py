"""Operational events: webhooks failing, disabled and recovered, CRM errors and exhausted
deliveries become events a workspace subscribes to by name — never about the delivery of an
operational event, and never through "*"."""
from datetime import timedelta

import time_machine
from django.conf import settings
from django.utils import timezone

from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.models import Delivery
from metachat.events.catalogue import EventType
from metachat.events.models import Event
from metachat.events.services import event_publish
from tests.factories import WebhookFactory
from tests.receivers import Answer

OPS = ["webhook.failing", "webhook.disabled", "webhook.recovered", "crm.error",
       "delivery.exhausted"]


def _deliveries_of(workspace, type_):
    event = event_publish(workspace=workspace, type=type_, data={"userId": "u"})
    return event_dispatch(event=event) or list(Delivery.objects.filter(event=event))


def _events(type_):
    return list(Event.objects.filter(type=type_).order_by("pk"))


def test_a_failing_then_recovering_webhook_is_reported_to_the_ops_webhook_only(
    transactional_db, workspace, make_receiver
):
    orders = make_receiver(default=Answer(500, b"down"))
    ops = make_receiver()
    orders_hook = WebhookFactory(workspace=workspace, name="Orders", url=orders.url,
                                 events=["user.started"])
    ops_hook = WebhookFactory(workspace=workspace, name="Pager", url=ops.url, events=OPS)
    everything = WebhookFactory(workspace=workspace, name="All", url=ops.url, events=["*"])

    # When the orders webhook starts failing
    (delivery,) = [d for d in _deliveries_of(workspace, EventType.USER_STARTED)
                   if d.destination_id == orders_hook.pk]
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    # Then webhook.failing is published, for the pager webhook and not for "*"
    (failing,) = _events("webhook.failing")
    assert failing.payload["data"]["webhookId"] == orders_hook.public_id
    assert failing.payload["data"]["name"] == "Orders"
    assert failing.payload["data"]["error"] == "HTTP 500"
    assert [d.destination_id for d in event_dispatch(event=failing)] == [ops_hook.pk]
    assert everything.pk not in Delivery.objects.filter(event=failing).values_list(
        "destination_id", flat=True)

    # When it answers again, webhook.recovered is published once
    orders.default = Answer(200)
    delivery_send(delivery_pk=delivery.pk, attempts_made=1)
    (recovered,) = _events("webhook.recovered")
    assert recovered.payload["data"]["webhookId"] == orders_hook.public_id


def test_a_webhook_disabled_after_days_of_failure_is_reported(
    transactional_db, workspace, make_receiver
):
    orders = make_receiver(default=Answer(503))
    hook = WebhookFactory(workspace=workspace, name="Orders", url=orders.url,
                          events=["user.started"])
    (first,) = _deliveries_of(workspace, EventType.USER_STARTED)
    delivery_send(delivery_pk=first.pk, attempts_made=0)

    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER + 60)
    with time_machine.travel(later, tick=False):
        (second,) = _deliveries_of(workspace, EventType.USER_STARTED)
        delivery_send(delivery_pk=second.pk, attempts_made=0)

    (disabled,) = _events("webhook.disabled")
    assert disabled.payload["data"]["webhookId"] == hook.public_id
    assert "Disabled automatically" in disabled.payload["data"]["reason"]


def test_a_delivery_that_gives_up_publishes_delivery_exhausted(
    transactional_db, workspace, make_receiver
):
    orders = make_receiver(default=Answer(500))
    hook = WebhookFactory(workspace=workspace, url=orders.url, events=["user.started"])
    (delivery,) = _deliveries_of(workspace, EventType.USER_STARTED)
    last = len(settings.WEBHOOK_RETRY_SCHEDULE) - 1
    Delivery.objects.filter(pk=delivery.pk).update(attempt_count=last)

    delivery_send(delivery_pk=delivery.pk, attempts_made=last)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    (exhausted,) = _events("delivery.exhausted")
    assert exhausted.payload["data"] == {
        "deliveryId": delivery.public_id, "eventId": delivery.event.public_id,
        "eventType": "user.started", "destinationKind": "webhook",
        "destinationId": hook.public_id, "attempts": last + 1, "error": "HTTP 500"}


def test_a_retry_that_is_not_the_last_publishes_nothing(transactional_db, workspace, make_receiver):
    orders = make_receiver(default=Answer(500))
    WebhookFactory(workspace=workspace, url=orders.url, events=["user.started"])
    (delivery,) = _deliveries_of(workspace, EventType.USER_STARTED)

    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    assert _events("delivery.exhausted") == []


def test_no_operational_event_about_the_delivery_of_an_operational_event(
    transactional_db, workspace, make_receiver
):
    # Given a pager webhook that is itself down, subscribed to every operational event
    pager = make_receiver(default=Answer(500))
    pager_hook = WebhookFactory(workspace=workspace, name="Pager", url=pager.url, events=OPS)
    event = event_publish(workspace=workspace, type=EventType.WEBHOOK_FAILING,
                          data={"webhookId": "wh_x", "name": "x", "error": "HTTP 500",
                                "failingSince": "2025-01-15T10:30:00.000Z"})
    (delivery,) = event_dispatch(event=event)
    last = len(settings.WEBHOOK_RETRY_SCHEDULE) - 1
    Delivery.objects.filter(pk=delivery.pk).update(attempt_count=last)

    # When delivering the operational event fails, starts its failing and gives up
    delivery_send(delivery_pk=delivery.pk, attempts_made=last)

    # Then the pager is failing, but nothing new is published about it
    pager_hook.refresh_from_db()
    assert pager_hook.failing_since is not None
    assert Event.objects.exclude(pk=event.pk).count() == 0


def test_a_crm_error_is_published(salesforce, salesforce_connection):
    from integrations.crm.services import field_mappings_replace
    from tests.integrations.crm.test_sync import dispatched, end_conversation

    salesforce.objects["Task"].add("Gone__c")
    field_mappings_replace(connection=salesforce_connection, mappings=[
        {"target_field": "Gone__c", "source_field": "duration"}])
    salesforce.objects["Task"].discard("Gone__c")
    (delivery,) = dispatched(end_conversation(salesforce_connection.workspace))

    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    (error,) = _events("crm.error")
    assert error.payload["data"]["connectionId"] == salesforce_connection.public_id
    assert "field mapping row 1 (duration → Gone__c)" in error.payload["data"]["reason"]
    (exhausted,) = _events("delivery.exhausted")  # the record is not retried
    assert exhausted.payload["data"]["destinationKind"] == "crm"

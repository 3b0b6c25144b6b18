"""Celery tasks of the delivery pipeline: thin wrappers that take ids and call one service."""
from celery import shared_task

from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.services import deliveries_sweep, delivery_send
from metachat.events.models import Event


@shared_task(name="integrations.tasks.dispatch_event")
def dispatch_event(event_pk: int) -> int:
    event = Event.objects.filter(pk=event_pk).first()
    if event is None:
        return 0
    return len(event_dispatch(event=event))


@shared_task(name="integrations.tasks.deliver")
def deliver(delivery_pk: int, attempts_made: int = 0) -> int:
    return len(delivery_send(delivery_pk=delivery_pk, attempts_made=attempts_made))


@shared_task(name="integrations.tasks.sweep_deliveries")
def sweep_deliveries() -> dict:
    return deliveries_sweep()

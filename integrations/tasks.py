"""Celery tasks of the delivery pipeline: thin wrappers that take ids and call one service."""
from celery import shared_task

from integrations.delivery.dispatch import events_dispatch
from integrations.delivery.sending import destination_deliver
from integrations.delivery.services import recovery_run
from integrations.delivery.sweeper import deliveries_sweep
from integrations.models import Recovery


@shared_task(name="integrations.tasks.dispatch_events")
def dispatch_events() -> int:
    return events_dispatch()


@shared_task(name="integrations.tasks.deliver_destination")
def deliver_destination(kind: str, destination_id: int) -> int:
    return len(destination_deliver(kind=kind, destination_id=destination_id))


@shared_task(name="integrations.tasks.recover_deliveries")
def recover_deliveries(recovery_pk: int) -> int:
    recovery = Recovery.objects.filter(pk=recovery_pk, finished_at=None).first()
    if recovery is None:
        return 0
    return recovery_run(recovery=recovery).deliveries_resent


@shared_task(name="integrations.tasks.sweep_deliveries")
def sweep_deliveries() -> dict:
    return deliveries_sweep()

"""The pipeline in batches: claim tokens, attempts logged before they leave, interrupted
attempts, no duplicate wake-ups, one wake-up per destination, isolation of a hung endpoint."""
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.delivery import destinations
from integrations.delivery.dispatch import event_dispatch, events_dispatch
from integrations.delivery.queue import DELIVER_TASK, destination_key
from integrations.delivery.sending import claim_batch, send_and_record
from integrations.delivery.sweeper import deliveries_sweep
from integrations.models import Attempt, Delivery, Webhook
from metachat.events.catalogue import EventType
from metachat.events.services import DISPATCH_TASK, event_publish
from metachat.events.wakeups import wakeup_take
from tests.factories import WebhookFactory
from tests.helpers import wait_until
from tests.receivers import Answer

WEBHOOK = destinations.get("webhook")


def _publish(workspace, n=1):
    return [event_publish(workspace=workspace, type=EventType.USER_STARTED,
                          data={"userId": f"u{i}"}) for i in range(n)]


def _claim(webhook):
    return claim_batch(kind=WEBHOOK, destination_id=webhook.pk)


def test_a_claim_logs_its_attempt_in_flight_before_the_request_leaves(
    transactional_db, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    [event] = _publish(workspace)
    [delivery] = event_dispatch(event=event)

    claim = _claim(webhook)

    assert receiver.requests == []
    [attempt] = Attempt.objects.filter(delivery=delivery)
    assert (attempt.number, attempt.outcome, attempt.response_status) == (1, "in_flight", None)
    delivery.refresh_from_db()
    assert delivery.claim_token == claim.token and delivery.attempt_count == 1

    send_and_record(claim, retry_on_failure=True, record_health=True)

    attempt.refresh_from_db()
    assert (attempt.outcome, attempt.response_status) == ("succeeded", 200)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.claim_token is None


def test_a_late_writer_whose_claim_was_taken_over_changes_nothing(
    transactional_db, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    [event] = _publish(workspace)
    [delivery] = event_dispatch(event=event)
    slow = _claim(webhook)  # a worker claims it, then hangs past its lease

    later = timezone.now() + timedelta(seconds=WEBHOOK.lease_seconds(1) + 1)
    with time_machine.travel(later, tick=False):
        fresh = _claim(webhook)  # another worker takes it over
        assert fresh is not None and fresh.token != slow.token
        send_and_record(slow, retry_on_failure=True, record_health=True)  # the slow one wakes

    attempts = list(delivery.attempts.order_by("number").values_list(
        "number", "outcome", "response_status"))
    assert attempts == [(1, "interrupted", None), (2, "in_flight", None)]
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.claim_token == fresh.token

    with time_machine.travel(later, tick=False):
        send_and_record(fresh, retry_on_failure=True, record_health=True)

    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempt_count == 2
    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.public_id] * 2


def test_the_sweeper_marks_an_attempt_whose_lease_lapsed_as_interrupted(
    transactional_db, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    [event] = _publish(workspace)
    [delivery] = event_dispatch(event=event)
    _claim(webhook)  # and the worker dies here

    deliveries_sweep()
    assert delivery.attempts.get().outcome == "in_flight"  # its lease still holds

    with time_machine.travel(timezone.now() + timedelta(seconds=WEBHOOK.lease_seconds(1) + 1)):
        assert deliveries_sweep()["interrupted"] == 1

    attempt = delivery.attempts.get()
    assert attempt.outcome == "interrupted" and "interrupted" in attempt.error


def test_an_attempt_number_is_logged_once_per_delivery(transactional_db, workspace):
    WebhookFactory(workspace=workspace)
    [event] = _publish(workspace)
    [delivery] = event_dispatch(event=event)
    Attempt.objects.create(workspace=workspace, delivery=delivery, number=1,
                           started_at=timezone.now())

    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(workspace=workspace, delivery=delivery, number=1,
                               started_at=timezone.now())


def test_dispatch_takes_events_in_a_batch_and_wakes_each_destination_once(
    transactional_db, workspace, other_workspace, make_receiver, published
):
    hooks = [WebhookFactory(workspace=workspace, url=make_receiver().url) for _ in range(2)]
    theirs = WebhookFactory(workspace=other_workspace, url=make_receiver().url)
    _publish(workspace, 30)
    _publish(other_workspace, 5)
    published.clear()

    assert events_dispatch() == 35

    assert Delivery.objects.count() == 30 * 2 + 5
    woken = sorted(args for name, args in published if name == DELIVER_TASK)
    assert woken == sorted(["webhook", hook.pk] for hook in [*hooks, theirs])
    assert not [name for name, _ in published if name == DISPATCH_TASK]
    assert events_dispatch() == 0  # nothing twice


def test_dispatch_costs_the_same_queries_for_ten_events_as_for_fifty(
    transactional_db, workspace, django_assert_max_num_queries
):
    WebhookFactory(workspace=workspace)
    WebhookFactory(workspace=workspace, events=["message.sent"])
    _publish(workspace, 10)
    with django_assert_max_num_queries(20) as ten:
        events_dispatch()
    _publish(workspace, 50)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        events_dispatch()


def test_the_sweeper_never_queues_a_destination_already_woken_or_being_sent_to(
    transactional_db, workspace, receiver, published
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    [event] = _publish(workspace)
    events_dispatch()
    deliver_wakes = [args for name, args in published if name == DELIVER_TASK]
    assert deliver_wakes == [["webhook", webhook.pk]]

    for _ in range(3):  # its wake-up is on its way: the sweeper leaves it alone
        assert deliveries_sweep()["destinations"] == 0

    wakeup_take(destination_key("webhook", webhook.pk))  # a worker took it...
    claim = _claim(webhook)  # ...and is sending
    assert deliveries_sweep()["destinations"] == 0
    send_and_record(claim, retry_on_failure=True, record_health=True)
    assert deliveries_sweep()["destinations"] == 0  # nothing due any more

    Delivery.objects.filter(event=event).update(status="pending", next_attempt_at=timezone.now())
    assert deliveries_sweep()["destinations"] == 1  # due, nobody on it: this was lost
    assert deliveries_sweep()["destinations"] == 0
    assert [args for name, args in published if name == DELIVER_TASK] == [
        ["webhook", webhook.pk]] * 2


def test_the_sweeper_sends_a_lost_dispatch_wake_up_once(transactional_db, workspace, published):
    WebhookFactory(workspace=workspace)
    _publish(workspace, 3)  # one wake-up sent, then lost with the broker's queue
    published.clear()

    later = timezone.now() + timedelta(seconds=30)
    with time_machine.travel(later, tick=False):
        for _ in range(4):
            deliveries_sweep()

    assert published == [(DISPATCH_TASK, [])]


def test_a_hanging_endpoint_holds_at_most_its_share_of_the_workers(
    celery_worker, settings, workspace, make_receiver
):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION = 1
    settings.WEBHOOK_TIMEOUT = 5
    hanging = make_receiver(default=Answer(200, delay=3))
    healthy = make_receiver()
    hanging_hook = WebhookFactory(workspace=workspace, url=hanging.url)
    healthy_hook = WebhookFactory(workspace=workspace, url=healthy.url)

    for n in range(6):
        event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": f"u{n}"})
        # every event of the healthy endpoint arrives while the hanging one holds its first
        wait_until(lambda n=n: len(healthy.requests) == n + 1, timeout=2.5)

    assert len(hanging.requests) == 1 and hanging.max_in_flight == 1
    assert Delivery.objects.filter(destination_id=hanging_hook.pk, status="pending").count() == 6
    wait_until(lambda: Delivery.objects.filter(
        destination_id=healthy_hook.pk, status="succeeded").count() == 6, timeout=2)


def test_a_destination_with_a_long_backlog_does_not_hide_others_from_the_sweeper(
    transactional_db, settings, workspace, make_receiver
):
    settings.SWEEP_BATCH = 2
    quiet = WebhookFactory(workspace=workspace, url=make_receiver().url)
    [old] = _publish(workspace)
    events_dispatch()  # the quiet webhook's one delivery, whose wake-up is then lost
    busy = WebhookFactory(workspace=workspace, url=make_receiver().url)
    Webhook.objects.filter(pk=quiet.pk).update(active=False)
    _publish(workspace, 5)
    events_dispatch()  # five newer deliveries, all for the busy one
    Webhook.objects.filter(pk=quiet.pk).update(active=True)
    for hook in (quiet, busy):
        wakeup_take(destination_key("webhook", hook.pk))

    assert deliveries_sweep()["destinations"] == 2  # one wake-up per destination, both


def test_deleting_a_destination_mid_send_marks_its_attempt_interrupted(
    transactional_db, workspace, receiver
):
    from integrations.services import webhook_delete

    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    [event] = _publish(workspace)
    [delivery] = event_dispatch(event=event)
    claim = _claim(webhook)

    webhook_delete(webhook=webhook)
    send_and_record(claim, retry_on_failure=True, record_health=True)  # the sender comes back

    delivery.refresh_from_db()
    assert delivery.status == "cancelled"
    assert delivery.attempts.get().outcome == "interrupted"

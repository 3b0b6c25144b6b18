"""Signatures verify with the standardwebhooks library through a rotation; retries follow the
schedule, honour Retry-After and give up at its end."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks.webhooks import WebhookVerificationError

from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.retry import next_attempt_at, parse_retry_after
from integrations.delivery.sending import delivery_send
from integrations.models import Delivery, Webhook
from integrations.services import webhook_rotate_secret
from integrations.webhooks.signing import live_secrets
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.factories import WebhookFactory
from tests.receivers import Answer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _publish_and_send(workspace):
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event)
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)
    delivery.refresh_from_db()
    return delivery


def test_after_a_rotation_old_and_new_secrets_both_verify_for_24_hours(
    transactional_db, workspace, receiver
):
    with time_machine.travel(T0, tick=True):
        webhook = WebhookFactory(workspace=workspace, url=receiver.url)
        old_secret = webhook.secrets[0]["secret"]
        new_secret = webhook_rotate_secret(webhook=webhook)
        _publish_and_send(workspace)

        request = receiver.requests[-1]
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        for secret in (old_secret, new_secret):
            StandardWebhook(secret).verify(request.body, request.headers)

    with time_machine.travel(T0 + timedelta(hours=24, minutes=1), tick=True):
        _publish_and_send(workspace)

        request = receiver.requests[-1]
        assert len(request.headers["webhook-signature"].split(" ")) == 1
        StandardWebhook(new_secret).verify(request.body, request.headers)
        with pytest.raises(WebhookVerificationError):
            StandardWebhook(old_secret).verify(request.body, request.headers)


def test_secrets_are_encrypted_at_rest(workspace):
    from django.db import connection

    webhook = WebhookFactory(workspace=workspace)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM integrations_webhook WHERE id = %s", [webhook.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("fernet:") and "whsec_" not in stored
    assert live_secrets(Webhook.objects.get(pk=webhook.pk).secrets, now=T0)[0].startswith("whsec_")


def test_the_retry_schedule_runs_from_settings_with_jitter_then_gives_up(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 5, 300, 1800]
    settings.WEBHOOK_RETRY_JITTER = 0.1

    for attempts_made, base in ((1, 5), (2, 300), (3, 1800)):
        waits = [
            (next_attempt_at(attempts_made=attempts_made, now=T0) - T0).total_seconds()
            for _ in range(50)
        ]

        assert all(base <= wait <= base * 1.1 for wait in waits), (base, waits)
        assert len(set(waits)) > 1 and max(waits) > base  # spread, not the bare schedule
    assert next_attempt_at(attempts_made=4, now=T0) is None


def test_without_jitter_the_waits_are_the_schedule(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 5, 300]
    settings.WEBHOOK_RETRY_JITTER = 0

    waits = [(next_attempt_at(attempts_made=n, now=T0) - T0).total_seconds() for n in (1, 2)]

    assert waits == [5, 300]


def test_retry_after_is_honoured(transactional_db, workspace, receiver):
    receiver.answer(Answer(429, b"slow down", {"Retry-After": "120"}))
    WebhookFactory(workspace=workspace, url=receiver.url)

    with time_machine.travel(T0, tick=False):
        delivery = _publish_and_send(workspace)

    assert delivery.status == "pending" and delivery.last_error == "HTTP 429"
    assert delivery.next_attempt_at == T0 + timedelta(seconds=120)
    assert parse_retry_after("Mon, 02 Mar 2026 09:10:00 GMT", now=T0) == 600


def test_a_delivery_that_keeps_failing_gives_up_after_the_last_retry(
    transactional_db, settings, workspace, receiver
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 5, 300]
    receiver.default = Answer(503, b"down")
    WebhookFactory(workspace=workspace, url=receiver.url)

    with time_machine.travel(T0, tick=False) as clock:
        delivery = _publish_and_send(workspace)
        for _ in range(2):
            clock.move_to(delivery.next_attempt_at)
            delivery_send(delivery_pk=delivery.pk, attempts_made=delivery.attempt_count)
            delivery.refresh_from_db()

    assert delivery.status == "failed" and delivery.attempt_count == 3
    assert delivery.next_attempt_at is None
    assert [a.response_status for a in delivery.attempts.all()] == [503, 503, 503]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1


def test_a_long_answer_is_logged_cut_at_4_kib(transactional_db, workspace, receiver):
    answer = b"0123456789abcdef" * 640  # 10 KiB
    receiver.answer(Answer(200, answer))
    WebhookFactory(workspace=workspace, url=receiver.url)

    delivery = _publish_and_send(workspace)

    assert delivery.status == "succeeded"
    [attempt] = delivery.attempts.all()
    assert len(attempt.response_body) == 4096
    assert attempt.response_body == answer[:4096].decode()


def test_a_nul_byte_in_the_answer_is_logged_and_the_delivery_succeeds_once(
    transactional_db, workspace, receiver
):
    receiver.answer(Answer(200, b"ok\x00"))
    WebhookFactory(workspace=workspace, url=receiver.url)

    delivery = _publish_and_send(workspace)
    delivery_send(delivery_pk=delivery.pk, attempts_made=delivery.attempt_count)  # a late wake-up

    assert delivery.status == "succeeded" and delivery.attempt_count == 1
    assert [a.response_body for a in delivery.attempts.all()] == ["ok"]
    assert len(receiver.requests) == 1


def test_a_nul_byte_in_a_failing_answer_still_schedules_a_retry(
    transactional_db, workspace, receiver
):
    receiver.answer(Answer(500, b"\x00boom\xed\xa0\x80"))
    WebhookFactory(workspace=workspace, url=receiver.url)

    with time_machine.travel(T0, tick=False):
        delivery = _publish_and_send(workspace)

    assert delivery.status == "pending" and delivery.attempt_count == 1
    assert delivery.next_attempt_at > T0 and delivery.last_error == "HTTP 500"
    [attempt] = delivery.attempts.all()
    assert attempt.response_status == 500 and attempt.response_body.startswith("boom")
    assert "\x00" not in attempt.response_body


def test_a_delivery_whose_webhook_is_in_another_workspace_is_never_sent(
    transactional_db, workspace, other_workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event)
    Webhook.objects.filter(pk=webhook.pk).update(workspace=other_workspace)  # moved, somehow

    with time_machine.travel(T0, tick=False):
        delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert "another workspace" in delivery.last_error
    [attempt] = delivery.attempts.all()
    assert attempt.response_status is None and "another workspace" in attempt.error
    webhook.refresh_from_db()
    assert webhook.status == "active" and webhook.failing_since is None


def test_a_stale_wake_up_never_sends_an_attempt_twice(transactional_db, workspace, receiver):
    receiver.answer(Answer(500))
    WebhookFactory(workspace=workspace, url=receiver.url)
    delivery = _publish_and_send(workspace)  # attempt 1 failed, retry scheduled

    # a duplicate of the first wake-up arrives (broker redelivery, sweeper and dispatch both)
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)

    assert len(receiver.requests) == 1
    assert Delivery.objects.get(pk=delivery.pk).attempt_count == 1


def test_workers_racing_for_one_delivery_send_it_once(transactional_db, workspace, receiver):
    import threading

    receiver.default = Answer(200, delay=0.3)
    WebhookFactory(workspace=workspace, url=receiver.url)
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event)
    start = threading.Barrier(6)

    def worker():
        from django.db import connection

        start.wait()
        try:
            delivery_send(delivery_pk=delivery.pk, attempts_made=0)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts.count() == 1

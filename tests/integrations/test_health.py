"""A webhook failing for days is disabled and its owners are told; enabling it resumes delivery."""
from datetime import UTC, datetime, timedelta

import time_machine
from django.core import mail

from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.delivery.sweeper import deliveries_sweep
from integrations.models import Delivery, Webhook
from integrations.services import webhook_enable
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from metachat.workspaces.models import Membership
from tests.factories import MembershipFactory, UserFactory, WebhookFactory
from tests.receivers import Answer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _fail_once(workspace):
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event)
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)
    return delivery


def test_failing_for_five_days_disables_the_webhook_and_emails_owners_and_admins(
    transactional_db, workspace, operator, receiver
):
    MembershipFactory(workspace=workspace, user=UserFactory(username="bob"),
                      role=Membership.Role.ADMIN)
    MembershipFactory(workspace=workspace, user=UserFactory(username="vic"),
                      role=Membership.Role.VIEWER)
    receiver.default = Answer(500, b"broken")
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, name="Orders")

    with time_machine.travel(T0, tick=False) as clock:
        _fail_once(workspace)
        webhook.refresh_from_db()
        assert webhook.status == "failing" and webhook.failing_since == T0
        assert [m.subject for m in mail.outbox] == ["[Meta Chat] Webhook “Orders” is failing"]
        assert sorted(mail.outbox[0].to) == ["alice@example.com", "bob@example.com"]

        clock.move_to(T0 + timedelta(days=4, hours=23))
        _fail_once(workspace)
        webhook.refresh_from_db()
        assert webhook.active and len(mail.outbox) == 1

        clock.move_to(T0 + timedelta(days=5, minutes=1))
        waiting = _fail_once(workspace)

    webhook.refresh_from_db()
    assert webhook.status == "disabled" and not webhook.active
    assert "failed for 5 days" in webhook.disabled_reason and "HTTP 500" in webhook.disabled_reason
    assert mail.outbox[-1].subject == "[Meta Chat] Webhook “Orders” was disabled"
    assert len(mail.outbox) == 2

    # While disabled nothing is sent; its deliveries wait.
    requests_before = len(receiver.requests)
    with time_machine.travel(T0 + timedelta(days=6), tick=False):
        deliveries_sweep()
        delivery_send(delivery_pk=waiting.pk, attempts_made=1)
    assert len(receiver.requests) == requests_before
    assert Delivery.objects.get(pk=waiting.pk).next_attempt_at is None
    assert event_dispatch(event=event_publish(
        workspace=workspace, type=EventType.USER_STARTED, data={"userId": "new"}
    )) == []  # a disabled webhook is not subscribed

    # Enabling it resumes: the waiting delivery goes out and succeeds.
    receiver.default = Answer(200)
    webhook_enable(webhook=webhook)
    webhook.refresh_from_db()
    assert webhook.status == "active" and webhook.disabled_reason == ""
    assert Delivery.objects.get(pk=waiting.pk).next_attempt_at is not None
    delivery_send(delivery_pk=waiting.pk, attempts_made=1)
    assert Delivery.objects.get(pk=waiting.pk).status == "succeeded"


def test_a_success_clears_the_failing_state(transactional_db, workspace, receiver):
    receiver.answer(Answer(500))
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)
    delivery = _fail_once(workspace)
    assert Webhook.objects.get(pk=webhook.pk).status == "failing"

    delivery_send(delivery_pk=delivery.pk, attempts_made=1)

    webhook.refresh_from_db()
    assert webhook.status == "active" and webhook.failing_since is None
    assert webhook.last_success_at is not None

"""Operators read their workspaces' Zapier subscriptions with deliveries and may end one."""
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.models import Recovery
from integrations.zapier.models import HookSubscription
from integrations.zapier.services import hook_subscribe
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from metachat.workspaces.models import Membership
from tests.factories import ApiKeyFactory, MembershipFactory, UserFactory
from tests.receivers import Answer

CHANGELIST = "admin:zapier_hooksubscription_changelist"


def _subscription(workspace, url):
    subscription, _, _ = hook_subscribe(workspace=workspace,
                                        api_key=ApiKeyFactory(workspace=workspace),
                                        target_url=url, event="message.sent")
    return subscription


def test_operators_see_their_subscriptions_with_deliveries_and_no_secret(
    client, operator, workspace, other_workspace, receiver
):
    receiver.answer(Answer(500))
    mine = _subscription(workspace, receiver.url)
    theirs = _subscription(other_workspace, receiver.url + "/theirs")
    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT,
                          data={"confidence": 0.2})
    [delivery] = event_dispatch(event=event)
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)
    client.force_login(operator)

    listing = client.get(reverse(CHANGELIST)).content.decode()
    page = client.get(reverse("admin:zapier_hooksubscription_change", args=[mine.pk]))

    assert mine.public_id in listing and theirs.public_id not in listing
    html = page.content.decode()
    assert page.status_code == 200
    assert event.public_id in html and "#1 HTTP 500" in html
    assert b'name="_save"' not in page.content  # read-only
    assert mine.secrets[0]["secret"] not in html and mine.secrets[0]["secret"] not in listing
    assert client.get(reverse("admin:zapier_hooksubscription_change",
                              args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:zapier_hooksubscription_add")).status_code == 403
    log = client.get(reverse("admin:integrations_delivery_change", args=[delivery.pk]))
    assert f"Zapier hook {mine.public_id}" in log.content.decode()


def test_an_owner_can_unsubscribe_and_a_viewer_cannot(client, operator, workspace):
    subscription = _subscription(workspace, "http://127.0.0.1:9/hooks/a")
    viewer = MembershipFactory(workspace=workspace, user=UserFactory(username="vic"),
                               role=Membership.Role.VIEWER).user

    client.force_login(viewer)
    client.post(reverse(CHANGELIST), {"action": "unsubscribe_selected",
                                      "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is None

    client.force_login(operator)
    client.post(reverse(CHANGELIST), {"action": "unsubscribe_selected",
                                      "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None and subscription.unsubscribed_by == "operator"
    assert HookSubscription.objects.filter(pk=subscription.pk).exists()  # kept for the log


def test_enable_switches_a_disabled_subscription_back_on(client, operator, workspace):
    subscription = _subscription(workspace, "http://127.0.0.1:9/hooks/b")
    HookSubscription.objects.filter(pk=subscription.pk).update(
        active=False, disabled_reason="Disabled automatically")

    client.force_login(operator)
    client.post(reverse(CHANGELIST), {"action": "enable_selected",
                                      "_selected_action": [subscription.pk]})

    subscription.refresh_from_db()
    assert subscription.active and subscription.disabled_reason == ""


def test_failed_deliveries_can_be_re_sent_from_the_subscription(
    client, operator, workspace, django_capture_on_commit_callbacks
):
    subscription = _subscription(workspace, "http://127.0.0.1:9/hooks/c")
    since = timezone.now() - timedelta(hours=1)
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(reverse(CHANGELIST), {
            "action": "recover_failed_deliveries", "_selected_action": [subscription.pk],
            "confirm": "yes", "since_0": since.strftime("%Y-%m-%d"),
            "since_1": since.strftime("%H:%M:%S"),
        }, follow=True)

    assert b"re-sending its failures" in done.content
    recovery = Recovery.objects.get()
    assert (recovery.destination_kind, recovery.destination_id) == ("zapier", subscription.pk)

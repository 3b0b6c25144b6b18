"""The webhook, delivery, event and Zapier hook buttons, pressed by a workspace admin in a
browser; a viewer sees none and changes nothing; another workspace's objects are not there."""
import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.models import Delivery, Webhook
from integrations.zapier.models import HookSubscription
from integrations.zapier.services import hook_subscribe
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.admin_browser import browser_of
from tests.factories import ApiKeyFactory, WebhookFactory
from tests.receivers import Answer


def tool(model: str, obj, name: str) -> str:
    return reverse(f"admin:{model}_actions", kwargs={"pk": obj.pk, "tool": name})


def change(model: str, obj) -> str:
    return reverse(f"admin:{model}_change", args=[obj.pk])


WEBHOOK, DELIVERY, EVENT, HOOK = ("integrations_webhook", "integrations_delivery",
                                  "events_event", "zapier_hooksubscription")


@pytest.fixture
def admin_browser(workspace):
    return browser_of(workspace, "admin", "ada")


@pytest.fixture
def viewer_browser(workspace):
    return browser_of(workspace, "viewer", "vera")


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in response.context["messages"]]


def _failed_delivery(workspace, *webhooks):
    """An event whose deliveries to `webhooks` gave up."""
    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT,
                          data={"confidence": 0.4})
    deliveries = [Delivery.objects.create(
        workspace=workspace, event=event, destination_kind="webhook", destination_id=w.pk,
        status="failed", attempt_count=8, next_attempt_at=None) for w in webhooks]
    event.dispatched_at = event.created_at
    event.save(update_fields=["dispatched_at"])
    return event, deliveries[0]


def _subscription(workspace, url):
    subscription, _, _ = hook_subscribe(workspace=workspace,
                                        api_key=ApiKeyFactory(workspace=workspace),
                                        target_url=url, event="message.sent")
    return subscription


def _assert_untouched(webhook, secrets, delivery, hook, receiver):
    """The refused buttons changed nothing: the webhook is still off with its secrets, the
    delivery still failed, the hook still subscribed, and nothing was sent."""
    webhook.refresh_from_db()
    assert not webhook.active and webhook.secrets == secrets and receiver.requests == []
    assert Delivery.objects.get(pk=delivery.pk).status == "failed"
    hook.refresh_from_db()
    assert hook.unsubscribed_at is None


def test_test_on_the_page_sends_webhook_test_and_shows_the_answer(
    admin_browser, workspace, make_receiver
):
    receiver = make_receiver(default=Answer(503, b"down for maintenance until 3 pm"))
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, name="Orders")
    page = admin_browser.get(change(WEBHOOK, webhook)).content.decode()
    assert f'action="{tool(WEBHOOK, webhook, "test")}"' in page

    failed = admin_browser.post_form(tool(WEBHOOK, webhook, "test"), follow=True)

    assert failed.redirect_chain[-1][0] == change(WEBHOOK, webhook)
    [(level, text)] = _messages(failed)
    assert level == "error" and text.startswith("Test to “Orders” failed: HTTP 503 after ")
    assert "Response: down for maintenance until 3 pm" in text
    assert text in failed.content.decode()
    [request] = receiver.requests
    assert b'"event":"webhook.test"' in request.body and request.headers["webhook-signature"]

    receiver.default = Answer(200, b"thanks")
    passed = admin_browser.post_form(tool(WEBHOOK, webhook, "test"), follow=True)
    [(level, text)] = _messages(passed)
    assert level == "success" and text.startswith("Test sent to “Orders”: HTTP 200 in ")
    assert text.endswith("ms. Response: thanks")


def test_test_on_a_row_answers_on_the_list(admin_browser, workspace, receiver):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, name="Orders")
    listing = reverse("admin:integrations_webhook_changelist")
    rows = admin_browser.get(listing).content.decode()
    assert f'action="{tool(WEBHOOK, webhook, "test")}"' in rows

    response = admin_browser.post_form(tool(WEBHOOK, webhook, "test"), {"next": listing},
                                       follow=True)

    assert response.redirect_chain[-1][0] == listing
    assert "Test sent to “Orders”: HTTP 200" in response.content.decode()
    assert len(receiver.requests) == 1


def test_enable_shows_only_when_not_active_and_resumes_waiting_deliveries(
    transactional_db, admin_browser, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, name="Orders")
    enable = tool(WEBHOOK, webhook, "enable")
    assert f'action="{enable}"' not in admin_browser.get(change(WEBHOOK, webhook)).content.decode()
    # Failing is still on (it retries by itself): nothing to enable.
    Webhook.objects.filter(pk=webhook.pk).update(failing_since=timezone.now())
    assert Webhook.objects.get(pk=webhook.pk).status == "failing"
    assert f'action="{enable}"' not in admin_browser.get(change(WEBHOOK, webhook)).content.decode()
    Webhook.objects.filter(pk=webhook.pk).update(failing_since=None)
    event = event_publish(workspace=workspace, type=EventType.USER_STARTED, data={"userId": "u"})
    [delivery] = event_dispatch(event=event)
    Webhook.objects.filter(pk=webhook.pk).update(active=False, disabled_reason="Disabled "
                                                 "automatically: every delivery failed")
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)  # waits: the webhook is disabled
    assert Delivery.objects.get(pk=delivery.pk).next_attempt_at is None
    assert f'action="{enable}"' in admin_browser.get(change(WEBHOOK, webhook)).content.decode()

    response = admin_browser.post_form(enable, follow=True)

    webhook.refresh_from_db()
    assert webhook.status == "active" and webhook.disabled_reason == ""
    assert Delivery.objects.get(pk=delivery.pk).next_attempt_at is not None
    assert "“Orders” is enabled" in response.content.decode()
    assert f'action="{enable}"' not in response.content.decode()


def test_rotate_secret_shows_the_new_secret_once(admin_browser, workspace):
    webhook = WebhookFactory(workspace=workspace, name="Orders")
    old = webhook.secrets[0]["secret"]

    response = admin_browser.post_form(tool(WEBHOOK, webhook, "rotate_secret"), follow=True)

    webhook.refresh_from_db()
    new = webhook.secrets[0]["secret"]
    assert new != old and [s["secret"] for s in webhook.secrets] == [new, old]
    [(level, text)] = _messages(response)
    assert level == "warning" and text.endswith(new)
    again = admin_browser.get(change(WEBHOOK, webhook)).content.decode()
    assert new not in again and old not in again


def test_redeliver_on_a_delivery_queues_it_again(transactional_db, admin_browser, workspace,
                                                 receiver):
    WebhookFactory(workspace=workspace, url=receiver.url, name="Orders")
    receiver.answer(Answer(500))
    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data={"x": 1})
    [delivery] = event_dispatch(event=event)
    delivery_send(delivery_pk=delivery.pk, attempts_made=0)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)
    listing = reverse("admin:integrations_delivery_changelist")
    assert f'action="{tool(DELIVERY, delivery, "redeliver")}"' in \
        admin_browser.get(listing).content.decode()
    assert f'action="{tool(DELIVERY, delivery, "redeliver")}"' in \
        admin_browser.get(change(DELIVERY, delivery)).content.decode()

    response = admin_browser.post_form(tool(DELIVERY, delivery, "redeliver"), follow=True)

    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at is not None
    assert "Queued again: message.sent to webhook “Orders”." in response.content.decode()
    delivery_send(delivery_pk=delivery.pk, attempts_made=1)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts.count() == 2
    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.public_id] * 2


def test_redeliver_on_an_event_queues_every_destination(admin_browser, workspace):
    first = WebhookFactory(workspace=workspace, name="Orders")
    second = WebhookFactory(workspace=workspace, name="Audit")
    event, _ = _failed_delivery(workspace, first, second)
    page = admin_browser.get(change(EVENT, event)).content.decode()
    assert f'action="{tool(EVENT, event, "redeliver")}"' in page

    response = admin_browser.post_form(tool(EVENT, event, "redeliver"), follow=True)

    assert {d.status for d in Delivery.objects.filter(event=event)} == {"pending"}
    assert f"2 deliveries of {event} queued again." in response.content.decode()


def test_unsubscribe_and_enable_on_a_zapier_hook(admin_browser, workspace):
    hook = _subscription(workspace, "http://127.0.0.1:9/hooks/a")
    HookSubscription.objects.filter(pk=hook.pk).update(active=False, disabled_reason="Disabled")
    page = admin_browser.get(change(HOOK, hook)).content.decode()
    assert f'action="{tool(HOOK, hook, "enable")}"' in page
    assert f'action="{tool(HOOK, hook, "unsubscribe")}"' in page

    admin_browser.post_form(tool(HOOK, hook, "enable"))
    hook.refresh_from_db()
    assert hook.active and hook.subscription_status == "active"

    response = admin_browser.post_form(tool(HOOK, hook, "unsubscribe"), follow=True)

    hook.refresh_from_db()
    assert hook.subscription_status == "unsubscribed" and hook.unsubscribed_by == "operator"
    assert f"Zapier hook {hook.public_id} (message.sent) is unsubscribed." in \
        response.content.decode()
    assert f'action="{tool(HOOK, hook, "unsubscribe")}"' not in response.content.decode()
    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data={})
    assert not [d for d in event_dispatch(event=event) if d.destination_kind == "zapier"]


def test_a_viewer_sees_no_buttons_and_pressing_one_changes_nothing(
    viewer_browser, workspace, receiver
):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, active=False)
    secrets = webhook.secrets
    event, delivery = _failed_delivery(workspace, webhook)
    hook = _subscription(workspace, "http://127.0.0.1:9/hooks/v")
    pages = {
        WEBHOOK: (webhook, ["test", "enable", "rotate_secret"]),
        DELIVERY: (delivery, ["redeliver"]), EVENT: (event, ["redeliver"]),
        HOOK: (hook, ["unsubscribe", "enable"]),
    }

    webhook_page = viewer_browser.get(change(WEBHOOK, webhook)).content.decode()
    assert "All" in webhook_page and "[&quot;*&quot;]" not in webhook_page  # events in words

    for model, (obj, names) in pages.items():
        page = viewer_browser.get(change(model, obj))
        listing = viewer_browser.get(reverse(f"admin:{model}_changelist"))
        assert page.status_code == 200 and listing.status_code == 200
        assert 'name="action"' not in listing.content.decode()  # nor any bulk action
        for name in names:
            assert tool(model, obj, name) not in page.content.decode()
            assert tool(model, obj, name) not in listing.content.decode()
            assert viewer_browser.post_form(tool(model, obj, name)).status_code == 404

    _assert_untouched(webhook, secrets, delivery, hook, receiver)


def test_another_workspaces_objects_are_not_listed_and_their_buttons_are_404(
    admin_browser, workspace, other_workspace, receiver
):
    theirs = WebhookFactory(workspace=other_workspace, url=receiver.url, name="Theirs",
                            active=False)
    secrets = theirs.secrets
    event, delivery = _failed_delivery(other_workspace, theirs)
    hook = _subscription(other_workspace, "http://127.0.0.1:9/hooks/t")
    WebhookFactory(workspace=workspace, name="Mine")

    for model, obj, names in ((WEBHOOK, theirs, ["test", "enable", "rotate_secret"]),
                              (DELIVERY, delivery, ["redeliver"]), (EVENT, event, ["redeliver"]),
                              (HOOK, hook, ["unsubscribe", "enable"])):
        listing = admin_browser.get(reverse(f"admin:{model}_changelist"))
        assert obj not in listing.context["cl"].result_list
        assert admin_browser.get(change(model, obj)).status_code == 404
        for name in names:
            assert admin_browser.post_form(tool(model, obj, name)).status_code == 404

    _assert_untouched(theirs, secrets, delivery, hook, receiver)


def test_buttons_refuse_get(admin_browser, workspace, receiver):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url)

    assert admin_browser.get(tool(WEBHOOK, webhook, "test")).status_code == 405
    assert receiver.requests == []

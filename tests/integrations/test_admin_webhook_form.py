"""The webhook form in the admin: created and changed through the API's services, the secret
shown once, the filter rows and their preview, and pages titled in words."""
import logging
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.delivery.dispatch import event_dispatch
from integrations.models import Attempt, Delivery, Webhook
from integrations.zapier.services import hook_subscribe
from metachat.events.catalogue import EventType
from metachat.events.services import event_publish
from tests.admin_browser import form_data, logged_in, member
from tests.factories import ApiKeyFactory, CrmConnectionFactory, WebhookFactory

ADD = "admin:integrations_webhook_add"
PREVIEW = "admin:integrations_webhook_preview"

ROWS = [("confidence", "lt", "0.5"), ("user.email", "contains", "@example.com"),
        ("reason", "in", "low_confidence, user_requested"), ("userId", "eq", '"123"'),
        ("escalated", "ne", "true")]
STORED = [
    {"field": "confidence", "op": "lt", "value": 0.5},
    {"field": "user.email", "op": "contains", "value": "@example.com"},
    {"field": "reason", "op": "in", "value": ["low_confidence", "user_requested"]},
    {"field": "userId", "op": "eq", "value": "123"},
    {"field": "escalated", "op": "ne", "value": True},
]


@pytest.fixture
def browser(workspace):
    return logged_in(member(workspace, "admin", "ada"))


def rows(conditions) -> dict:
    data = {}
    for index, (field, op, value) in enumerate(conditions):
        data.update({f"filters-{index}-field": field, f"filters-{index}-op": op,
                     f"filters-{index}-value": value})
    return data


def webhook_form(workspace, url, conditions=(), **changes) -> dict:
    return {"workspace": workspace.pk, "name": "Orders", "url": url, "events": ["message.sent"],
            "description": "", "active": "on", **rows(conditions), **changes}


def change(webhook) -> str:
    return reverse("admin:integrations_webhook_change", args=[webhook.pk])


def _row_html(page: str, field: str) -> str:
    return next(row for row in re.findall(r'<tr class="filter-row">.*?</tr>', page, re.S)
                if f'value="{field}"' in row)


def _preview_marks(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-event="(evt_\w+)"><td>.*?(Sent|Filtered out)<', html))


# --- creating and changing --------------------------------------------------------------
def test_the_add_page_shows_no_id(browser):
    page = browser.get(reverse(ADD)).content.decode()

    assert not re.search(r"wh_[a-z0-9]{20}", page)
    assert "Public id" not in page and "Health" not in page
    assert 'name="filters-0-field"' in page and "Add condition" in page


def test_a_webhook_made_in_the_admin_gets_its_secret_from_the_service_shown_once(
    browser, workspace, receiver, caplog
):
    with caplog.at_level(logging.INFO, logger="integrations.services"):
        created = browser.post_form(reverse(ADD), webhook_form(workspace, receiver.url),
                                    follow=True)

    webhook = Webhook.objects.get()
    secret = webhook.secrets[0]["secret"]
    assert f"webhook {webhook.public_id} created in {workspace.public_id}" in caplog.text
    [message] = [m.message for m in created.context["messages"] if m.level_tag == "warning"]
    assert message.endswith(secret) and secret.startswith("whsec_")
    assert created.content.decode().count(secret) == 1
    assert secret not in browser.get(change(webhook)).content.decode()
    assert secret not in caplog.text


def test_a_url_to_an_internal_address_is_refused_with_the_apis_message(
    browser, workspace, api_client
):
    url = "http://169.254.169.254/latest/meta-data/"
    api = api_client.post("/v1/webhooks", {"name": "Orders", "url": url,
                                           "events": ["message.sent"]}, format="json")
    [api_message] = api.json()["error"]["fields"]["url"]

    refused = browser.post_form(reverse(ADD), webhook_form(workspace, url))

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["url"] == [api_message]
    assert "Meta Chat only calls public addresses" in api_message
    assert not Webhook.objects.exists()


def test_changing_a_webhook_goes_through_the_update_service(browser, workspace, receiver):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, events=["*"])

    response = browser.post_form(change(webhook), webhook_form(
        workspace, "http://169.254.169.254/", name="Renamed"))
    assert response.status_code == 200  # refused, as the API refuses it
    webhook.refresh_from_db()
    assert webhook.url == receiver.url and webhook.name != "Renamed"

    response = browser.post_form(change(webhook), webhook_form(
        workspace, receiver.url, ROWS[:1], name="Renamed", events=["message.sent",
                                                                   "message.sent"]))
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert webhook.name == "Renamed" and webhook.events == ["message.sent"]  # as the API cleans
    assert webhook.filters == STORED[:1]


# --- filter rows -----------------------------------------------------------------------
def test_filter_rows_are_stored_as_the_apis_json_and_round_trip(
    browser, workspace, receiver, api_client
):
    response = browser.post_form(reverse(ADD), webhook_form(workspace, receiver.url, ROWS))
    assert response.status_code == 302
    webhook = Webhook.objects.get()
    assert webhook.filters == STORED
    read = api_client.get(f"/v1/webhooks/{webhook.public_id}").json()["data"]
    assert read["filters"] == STORED
    made = api_client.post("/v1/webhooks", {"name": "Same", "url": receiver.url,
                                            "events": ["message.sent"], "filters": STORED},
                           format="json").json()["data"]
    assert Webhook.objects.get(public_id=made["id"]).filters == webhook.filters

    page = browser.get(change(webhook)).content.decode()
    assert 'value="&quot;123&quot;"' in page  # digits meant as text stay quoted
    assert re.search(r'name="filters-2-value" value="\[&quot;low_confidence&quot;, '
                     r'&quot;user_requested&quot;\]"', page)
    saved_again = browser.post_form(change(webhook), form_data(page, "webhook_form"))

    assert saved_again.status_code == 302
    webhook.refresh_from_db()
    assert webhook.filters == STORED


def test_removing_a_row_removes_its_condition(browser, workspace, receiver):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, filters=STORED)
    data = form_data(browser.get(change(webhook)).content.decode(), "webhook_form")
    for part in ("field", "op", "value"):
        del data[f"filters-1-{part}"]  # what the row's Remove button does

    assert browser.post_form(change(webhook), data).status_code == 302
    webhook.refresh_from_db()
    assert webhook.filters == [STORED[0], *STORED[2:]]


def test_a_bad_operator_or_value_is_refused_next_to_its_row(browser, workspace, receiver):
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, filters=STORED[:1])

    response = browser.post_form(change(webhook), webhook_form(
        workspace, receiver.url, [("confidence", "lt", "0.3"), ("reason", "regex", "low.*"),
                                  ("duration", "gt", "[1, 2]")]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "The operator must be one of eq, ne, lt, lte, gt, gte, in, contains." in \
        _row_html(page, "reason")
    assert "&#x27;gt&#x27; compares with a number or text." in _row_html(page, "duration")
    assert "errorlist" not in _row_html(page, "confidence")
    webhook.refresh_from_db()
    assert webhook.filters == STORED[:1]


# --- the preview -------------------------------------------------------------------------
def _events(workspace, other_workspace):
    published = {
        name: event_publish(workspace=workspace, type=type, data=data)
        for name, type, data in (
            ("unsure_shipping", EventType.MESSAGE_SENT,
             {"confidence": 0.3, "message": "How long is Shipping?"}),
            ("unsure_other", EventType.MESSAGE_SENT, {"confidence": 0.2, "message": "Hi"}),
            ("sure_shipping", EventType.MESSAGE_SENT,
             {"confidence": 0.9, "message": "shipping to Spain"}),
            ("no_confidence", EventType.MESSAGE_SENT, {"message": "shipping"}),
            ("created", EventType.CONVERSATION_CREATED, {"conversationId": "conv_1"}),
        )
    }
    theirs = event_publish(workspace=other_workspace, type=EventType.MESSAGE_SENT,
                           data={"confidence": 0.1, "message": "shipping"})
    return published, theirs


UNSURE_SHIPPING = [("confidence", "lt", "0.5"), ("message", "contains", "ship")]


def test_the_preview_marks_what_the_pipeline_would_send(
    browser, workspace, other_workspace, receiver
):
    browser.post_form(reverse(ADD), webhook_form(workspace, receiver.url, UNSURE_SHIPPING))
    webhook = Webhook.objects.get()
    published, theirs = _events(workspace, other_workspace)

    preview = browser.post_form(reverse(PREVIEW), {
        "webhook": webhook.pk, "events": ["message.sent"], **rows(UNSURE_SHIPPING)})

    marks = _preview_marks(preview.content.decode())
    assert marks == {
        published["unsure_shipping"].public_id: "Sent",
        published["unsure_other"].public_id: "Filtered out",
        published["sure_shipping"].public_id: "Filtered out",
        published["no_confidence"].public_id: "Filtered out",
    }
    assert theirs.public_id not in preview.content.decode()
    assert "1 of 4" in preview.content.decode()
    # the pipeline itself, dispatching the same events to the saved webhook, agrees
    sent = {event.public_id for event in [*published.values(), theirs]
            if any(d.destination_id == webhook.pk for d in event_dispatch(event=event))}
    assert sent == {event_id for event_id, mark in marks.items() if mark == "Sent"}


def test_the_preview_follows_the_rows_being_edited_without_saving(
    browser, workspace, other_workspace
):
    published, theirs = _events(workspace, other_workspace)

    preview = browser.post_form(reverse(PREVIEW), {
        "workspace": workspace.pk, "events": ["message.sent", "conversation.created"],
        **rows([("confidence", "gte", "0.5")])})

    marks = _preview_marks(preview.content.decode())
    assert marks[published["sure_shipping"].public_id] == "Sent"
    assert marks[published["created"].public_id] == "Filtered out"
    assert marks[published["unsure_shipping"].public_id] == "Filtered out"
    assert theirs.public_id not in marks and not Webhook.objects.exists()
    everything = _preview_marks(browser.post_form(reverse(PREVIEW), {
        "workspace": workspace.pk, "events": ["*"]}).content.decode())
    assert set(everything.values()) == {"Sent"} and len(everything) == 5


def test_the_preview_says_what_is_wrong_with_the_rows(browser, workspace):
    response = browser.post_form(reverse(PREVIEW), {
        "workspace": workspace.pk, "events": ["message.sent"],
        **rows([("confidence", "lt", "0.5"), ("reason", "regex", "x")])})

    assert "Fix the conditions first: Row 2: The operator must be one of" in \
        response.content.decode()


def test_the_preview_never_shows_another_workspace(browser, workspace, other_workspace):
    theirs = WebhookFactory(workspace=other_workspace)
    _events(workspace, other_workspace)
    url = reverse(PREVIEW)

    assert browser.post_form(url, {"webhook": theirs.pk, "events": ["*"]}).status_code == 404
    assert browser.post_form(url, {"workspace": other_workspace.pk,
                                   "events": ["*"]}).status_code == 404
    assert browser.get(url).status_code == 405
    viewer = logged_in(member(workspace, "viewer", "vera"))
    assert viewer.post_form(url, {"workspace": workspace.pk, "events": ["*"]}).status_code == 404


# --- titles ------------------------------------------------------------------------------
def _title_and_crumbs(browser, url) -> tuple[str, str]:
    page = browser.get(url).content.decode()
    crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', page, re.S).group(1)
    return re.search(r"<h2>(.*?)</h2>", page).group(1), " ".join(crumbs.split())


def test_deliveries_and_attempts_are_titled_in_words(browser, workspace):
    webhook = WebhookFactory(workspace=workspace, name="Orders")
    crm = CrmConnectionFactory(workspace=workspace, name="Sales")
    hook, _, _ = hook_subscribe(workspace=workspace, api_key=ApiKeyFactory(workspace=workspace),
                                target_url="http://127.0.0.1:9/hooks", event="message.sent")
    event = event_publish(workspace=workspace, type=EventType.MESSAGE_SENT, data={})
    to = {kind: Delivery.objects.create(workspace=workspace, event=event, destination_kind=kind,
                                        destination_id=pk)
          for kind, pk in (("webhook", webhook.pk), ("crm", crm.pk), ("zapier", hook.pk))}
    attempt = Attempt.objects.create(workspace=workspace, delivery=to["webhook"], number=2,
                                     started_at=timezone.now())

    for kind, words in (("webhook", "message.sent to webhook “Orders”"),
                        ("crm", "message.sent to Salesforce “Sales”"),
                        ("zapier", f"message.sent to Zapier hook {hook.public_id}")):
        title, crumbs = _title_and_crumbs(
            browser, reverse("admin:integrations_delivery_change", args=[to[kind].pk]))
        assert title == words and crumbs.endswith(f"&rsaquo; {words}")
    title, crumbs = _title_and_crumbs(
        browser, reverse("admin:integrations_attempt_change", args=[attempt.pk]))
    assert title == f"attempt 2 of delivery {to['webhook'].public_id}"
    assert crumbs.endswith(title)
    title, _ = _title_and_crumbs(browser, change(webhook))
    assert title == "Orders"
    Webhook.objects.filter(pk=webhook.pk).delete()
    assert str(Delivery.objects.get(pk=to["webhook"].pk)) == "message.sent to a deleted webhook"


def test_a_viewer_reads_the_filters_in_words_without_the_editor(workspace):
    webhook = WebhookFactory(workspace=workspace, filters=STORED[:3])
    viewer = logged_in(member(workspace, "viewer", "vera"))

    page = viewer.get(change(webhook)).content.decode()

    assert ("confidence is less than 0.5; user.email contains @example.com; reason is one of "
            "[&quot;low_confidence&quot;, &quot;user_requested&quot;]") in page
    assert "filters-0-field" not in page and "Add condition" not in page

"""Every endpoint, called with another workspace's ids, answers 404 and changes nothing.

The caller holds an all-scopes key of workspace A; the objects belong to workspace B.
To add an endpoint: add a `Case` to CASES with a `make` that creates B's object (returning
its public id), the request(s) to try, and a `unchanged` check on B's object afterwards.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from apikeys.models import ApiKey
from conversations.models import Conversation, Document
from conversations.services import document_create
from integrations.crm.models import CrmConnection
from integrations.models import Delivery, Webhook
from integrations.zapier.models import HookSubscription
from integrations.zapier.services import hook_subscribe
from metachat.events.services import event_publish
from tests.factories import (
    ApiKeyFactory,
    ConversationFactory,
    CrmConnectionFactory,
    WebhookFactory,
)


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable  # (other_workspace) -> the object of B
    requests: list[tuple[str, str, dict]]  # (method, url with {id}, body)
    unchanged: Callable = field(default=lambda obj: True)  # (obj) -> bool, after the requests


def _api_key_untouched(api_key: ApiKey) -> bool:
    api_key.refresh_from_db()
    return (api_key.revoked_at, api_key.replaced_by_id, api_key.expires_at) == (None, None, None)


def _their_document(ws, title="B's document") -> Document:
    return document_create(workspace=ws, title=title, source_type="text",
                           content="B's private notes.")


def _conversation_untouched(conversation: Conversation) -> bool:
    conversation.refresh_from_db()
    return conversation.status == "open" and not conversation.messages.exists()


def _document_still_there(document: Document) -> bool:
    return Document.objects.filter(pk=document.pk).exists()


def _their_webhook(ws, name="B's webhook") -> Webhook:
    return WebhookFactory(workspace=ws, name=name, url="https://b.example.com/hook")


def _webhook_untouched(webhook: Webhook) -> bool:
    stored = Webhook.objects.filter(pk=webhook.pk).first()
    return stored is not None and (stored.name, stored.secrets, stored.active) == (
        webhook.name, webhook.secrets, webhook.active
    )


def _their_delivery(ws) -> Delivery:
    webhook = _their_webhook(ws)
    event = event_publish(workspace=ws, type="user.started", data={"userId": "B's user"})
    return Delivery.objects.create(workspace=ws, event=event, destination_kind="webhook",
                                   destination_id=webhook.pk, status="succeeded")


def _delivery_untouched(delivery: Delivery) -> bool:
    delivery.refresh_from_db()
    return delivery.status == "succeeded" and not delivery.attempts.exists()


CASES = [
    Case(
        name="api-keys",
        make=lambda ws: ApiKeyFactory(workspace=ws, name="B's key"),
        requests=[
            ("get", "/v1/api-keys/{id}", {}),
            ("post", "/v1/api-keys/{id}/revoke", {}),
            ("post", "/v1/api-keys/{id}/roll", {"gracePeriodSeconds": 0}),
        ],
        unchanged=_api_key_untouched,
    ),
    Case(
        name="conversations",
        make=lambda ws: ConversationFactory(workspace=ws),
        requests=[
            ("get", "/v1/conversations/{id}", {}),
            ("post", "/v1/conversations/{id}/end", {}),
        ],
        unchanged=_conversation_untouched,
    ),
    Case(
        name="documents",
        make=_their_document,
        requests=[
            ("get", "/v1/documents/{id}", {}),
            ("delete", "/v1/documents/{id}", {}),
        ],
        unchanged=_document_still_there,
    ),
    Case(
        name="webhooks",
        make=_their_webhook,
        requests=[
            ("get", "/v1/webhooks/{id}", {}),
            ("patch", "/v1/webhooks/{id}", {"name": "taken over"}),
            ("put", "/v1/webhooks/{id}", {"name": "x", "url": "https://a.example.com",
                                          "events": ["*"]}),
            ("delete", "/v1/webhooks/{id}", {}),
            ("get", "/v1/webhooks/{id}/deliveries", {}),
            ("post", "/v1/webhooks/{id}/test", {}),
            ("post", "/v1/webhooks/{id}/rotate-secret", {}),
            ("post", "/v1/webhooks/{id}/recover", {"since": "2026-01-01T00:00:00Z"}),
            ("post", "/v1/webhooks/{id}/reveal-secret", {}),
            ("post", "/v1/webhooks/{id}/enable", {}),
        ],
        unchanged=_webhook_untouched,
    ),
    Case(
        name="deliveries",
        make=_their_delivery,
        requests=[
            ("get", "/v1/deliveries/{id}", {}),
            ("post", "/v1/deliveries/{id}/redeliver", {}),
        ],
        unchanged=_delivery_untouched,
    ),
    Case(
        name="events",
        make=lambda ws: event_publish(workspace=ws, type="user.started", data={"userId": "B's"}),
        requests=[("get", "/v1/events/{id}", {})],
    ),
]

def _crm_connection_untouched(connection: CrmConnection) -> bool:
    connection = CrmConnection.objects.filter(pk=connection.pk).first()
    return (
        connection is not None and connection.status == "connected"
        and connection.name == "B's CRM" and connection.events == ["conversation.ended"]
        and list(connection.field_mappings.values_list("target_field", flat=True)) == ["Subject"]
    )


CASES.append(Case(
    name="integrations-crm",
    make=lambda ws: CrmConnectionFactory(workspace=ws, name="B's CRM"),
    requests=[
        ("get", "/v1/integrations/crm/{id}", {}),
        ("patch", "/v1/integrations/crm/{id}", {"name": "Mine now"}),
        ("delete", "/v1/integrations/crm/{id}", {}),
        ("put", "/v1/integrations/crm/{id}/field-mappings", {"fieldMappings": []}),
        ("post", "/v1/integrations/crm/{id}/test", {}),
        ("post", "/v1/integrations/crm/{id}/disconnect", {}),
        ("post", "/v1/integrations/crm/{id}/reconnect", {}),
    ],
    unchanged=_crm_connection_untouched,
))

def _their_hook(ws) -> HookSubscription:
    subscription, _, _ = hook_subscribe(
        workspace=ws, api_key=ApiKeyFactory(workspace=ws), event="message.sent",
        target_url="http://127.0.0.1:9/hooks/standard/B's",
    )
    return subscription


def _hook_untouched(subscription: HookSubscription) -> bool:
    subscription.refresh_from_db()
    return subscription.unsubscribed_at is None


CASES.append(Case(
    name="hooks",
    make=_their_hook,
    requests=[
        ("get", "/v1/hooks/{id}", {}),
        ("delete", "/v1/hooks/{id}", {}),
    ],
    unchanged=_hook_untouched,
))

def _their_report(ws):
    import datetime

    from integrations.reports.services import report_send_now

    return report_send_now(workspace=ws, day=datetime.date(2026, 3, 10))


def _report_untouched(report) -> bool:
    report.refresh_from_db()
    return report.sent_at is not None and report.attempts == 1


CASES.append(Case(
    name="reports",
    make=_their_report,
    requests=[("get", "/v1/reports/{id}", {})],
    unchanged=_report_untouched,
))

# Lists: (url, how an item of B would show) — B's rows must never appear.
LISTS = [
    ("/v1/api-keys", lambda ws: ApiKeyFactory(workspace=ws, name="B's listed key").public_id),
    ("/v1/conversations", lambda ws: ConversationFactory(workspace=ws).public_id),
    ("/v1/documents", lambda ws: _their_document(ws, "B's listed document").public_id),
    ("/v1/webhooks", lambda ws: _their_webhook(ws, "B's listed webhook").public_id),
    ("/v1/events", lambda ws: event_publish(workspace=ws, type="user.started",
                                            data={"userId": "B's"}).public_id),
    ("/v1/integrations/crm", lambda ws: CrmConnectionFactory(workspace=ws).public_id),
    ("/v1/hooks", lambda ws: _their_hook(ws).public_id),
    ("/v1/reports", lambda ws: _their_report(ws).public_id),
    ("/v1/reports/daily", lambda ws: ws.public_id),  # the summary names its workspace
]

# Every endpoint, for the tenantId check: (method, url).
TENANT_ID_ENDPOINTS = [
    ("get", "/v1/me"),
    ("get", "/v1/api-keys"),
    ("post", "/v1/api-keys"),
    ("post", "/v1/chat"),
    ("post", "/v1/sessions"),
    ("get", "/v1/conversations"),
    ("get", "/v1/documents"),
    ("post", "/v1/documents"),
    ("get", "/v1/webhooks"),
    ("post", "/v1/webhooks"),
    ("get", "/v1/events"),
    ("get", "/v1/integrations/crm"),
    ("post", "/v1/integrations/crm"),
    ("get", "/v1/hooks"),
    ("post", "/v1/hooks"),
    ("get", "/v1/reports"),
    ("get", "/v1/reports/daily"),
    ("get", "/v1/reports/daily.csv"),
]


def test_another_workspaces_conversation_id_starts_ones_own_and_never_reaches_theirs(
        api_client, make_api_client, workspace, other_workspace):
    theirs = ConversationFactory(workspace=other_workspace)
    their_messages = theirs.messages.count()

    mine = api_client.post("/v1/chat", {"message": "Hello?", "conversationId": theirs.public_id},
                           format="json")

    assert mine.status_code == 200
    assert mine.json()["data"]["conversationId"] == theirs.public_id
    own = Conversation.objects.get(workspace=workspace, public_id=theirs.public_id)
    assert own.pk != theirs.pk and own.messages.count() == 2
    assert _conversation_untouched(theirs) and theirs.messages.count() == their_messages
    read = api_client.get(f"/v1/conversations/{theirs.public_id}").json()["data"]
    assert len(read["messages"]) == 2 and read["messages"][0]["text"] == "Hello?"


def test_the_same_client_id_in_two_workspaces_is_two_conversations(make_api_client, workspace,
                                                                   other_workspace):
    alice, bob = make_api_client(workspace), make_api_client(other_workspace)

    alice.post("/v1/chat", {"message": "From A", "conversationId": "order-1042"}, format="json")
    bob.post("/v1/chat", {"message": "From B", "conversationId": "order-1042"}, format="json")

    conversations = Conversation.objects.filter(public_id="order-1042")
    assert {c.workspace_id for c in conversations} == {workspace.pk, other_workspace.pk}
    for client, text, other in ((alice, "From A", "From B"), (bob, "From B", "From A")):
        body = client.get("/v1/conversations/order-1042").content.decode()
        assert text in body and other not in body
        listed = client.get("/v1/conversations").json()["data"]
        assert [item["id"] for item in listed] == ["order-1042"]


@pytest.mark.parametrize(
    "case,method,url,body",
    [(case, *request) for case in CASES for request in case.requests],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_another_workspaces_object_is_not_found(api_client, other_workspace, case, method, url,
                                                  body):
    theirs = case.make(other_workspace)

    body = {key: value.format(id=theirs.public_id) if isinstance(value, str) else value
            for key, value in body.items()}
    response = getattr(api_client, method)(url.format(id=theirs.public_id), body, format="json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "B's" not in response.content.decode()
    assert case.unchanged(theirs)


@pytest.mark.parametrize("url,make", LISTS, ids=[url for url, _ in LISTS])
def test_lists_never_show_another_workspaces_rows(api_client, other_workspace, url, make):
    their_id = make(other_workspace)

    response = api_client.get(url, {"limit": 100})

    assert response.status_code == 200
    assert their_id not in response.content.decode()


@pytest.mark.parametrize("method,url", TENANT_ID_ENDPOINTS)
def test_naming_another_workspace_as_tenant_is_refused(api_client, other_workspace, method, url):
    response = getattr(api_client, method)(
        f"{url}?tenantId={other_workspace.public_id}", {"tenantId": other_workspace.public_id}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "tenant_mismatch"


def test_me_names_the_keys_workspace_only(api_client, workspace, other_workspace):
    body = api_client.get("/v1/me").json()["data"]

    assert body["workspaceId"] == workspace.public_id
    assert other_workspace.public_id not in str(body)

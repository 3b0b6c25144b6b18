"""Every response of a workspace with real data in it (conversations open, escalated and
ended, documents, webhooks with deliveries, rolled keys, events, a CRM connection) and
every error a client meets is what /v1/schema/ describes: a generated client parses them."""
import json

import pytest
import schemathesis

from conversations.services import chat_send, conversation_end, demo_knowledge_base_load
from integrations.models import Delivery
from metachat.events.models import Event
from tests.factories import CrmConnectionFactory, WebhookFactory
from tests.test_schema_fuzz import _breaks_the_schema


@pytest.fixture
def schema(api_client):
    return schemathesis.openapi.from_dict(api_client.get("/v1/schema/?format=json").json())


def _check(schema, client, method, path, body=None, expect=None):
    response = getattr(client, method)(path, body, format="json") if body is not None \
        else getattr(client, method)(path)
    if expect is not None:
        assert response.status_code == expect, (path, response.content)
    concrete = path.split("?", 1)[0]
    operation = schema.find_operation_by_path(method.upper(), concrete)
    assert operation is not None, f"{method} {concrete} is not in the schema"
    query = dict(part.split("=", 1) for part in path.split("?", 1)[1].split("&")) \
        if "?" in path else None
    template = operation.full_path.split("/")
    parameters = {name[1:-1]: value for name, value in zip(template, concrete.split("/"),
                                                            strict=True)
                  if name.startswith("{")}
    case = operation.Case(method=method.upper(), query=query, path_parameters=parameters,
                          body=body if body is not None else schemathesis.core.NOT_SET,
                          media_type="application/json" if body is not None else None)
    broken = _breaks_the_schema(case, response)
    assert broken is None, f"{method.upper()} {path} {response.status_code}: {broken}"
    return response


def test_every_response_of_a_busy_workspace_matches_the_schema(schema, api_client, workspace,
                                                              settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    demo_knowledge_base_load(workspace=workspace)
    answered = chat_send(workspace=workspace, text="How long is shipping?", user_id="cust-1",
                         user_info={"name": "Ann", "email": "ann@example.com"})
    escalated = chat_send(workspace=workspace, text="Can I talk to a human?")
    conversation_end(conversation=escalated.conversation)
    webhook = WebhookFactory(workspace=workspace, url="http://127.0.0.1:9/hook")
    for status, event in zip(("succeeded", "failed", "pending"), Event.objects.all(),
                             strict=False):
        Delivery.objects.create(workspace=workspace, event=event,
                                destination_kind="webhook", destination_id=webhook.pk,
                                status=status)
    CrmConnectionFactory(workspace=workspace)

    check = lambda *args, **kwargs: _check(schema, api_client, *args, **kwargs)  # noqa: E731
    key = check("post", "/v1/api-keys", {"name": "CI", "scopes": ["chat:write"]}, expect=201)
    key_id = key.json()["data"]["id"]
    check("post", f"/v1/api-keys/{key_id}/roll", {"gracePeriodSeconds": 60}, expect=201)
    check("get", "/v1/api-keys?limit=100", expect=200)
    check("get", f"/v1/api-keys/{key_id}", expect=200)
    check("get", "/v1/me", expect=200)
    check("get", "/v1/conversations", expect=200)
    for reply in (answered, escalated):
        check("get", f"/v1/conversations/{reply.conversation.public_id}", expect=200)
    check("post", f"/v1/conversations/{answered.conversation.public_id}/end", expect=200)
    check("post", "/v1/chat", {"message": "And returns?",
                               "conversationId": answered.conversation.public_id}, expect=409)
    check("post", "/v1/chat", {"message": "What is your return policy?"}, expect=200)
    check("post", "/v1/sessions", {"userId": "cust-2", "user": {"name": "Bo"}}, expect=201)
    documents = check("get", "/v1/documents", expect=200).json()["data"]
    check("get", f"/v1/documents/{documents[0]['id']}", expect=200)
    check("post", "/v1/documents", {"title": "Hours", "content": "9 to 5."}, expect=201)
    webhooks = check("get", "/v1/webhooks", expect=200).json()["data"]
    check("get", f"/v1/webhooks/{webhooks[0]['id']}", expect=200)
    deliveries = check("get", f"/v1/webhooks/{webhooks[0]['id']}/deliveries",
                       expect=200).json()["data"]
    assert len(deliveries) == 3
    check("get", f"/v1/deliveries/{deliveries[0]['id']}", expect=200)
    events = check("get", "/v1/events", expect=200).json()["data"]
    check("get", f"/v1/events/{events[0]['id']}", expect=200)
    crm = check("get", "/v1/integrations/crm", expect=200).json()["data"]
    check("get", f"/v1/integrations/crm/{crm[0]['id']}", expect=200)
    # Errors: each in the envelope the schema documents.
    check("get", "/v1/conversations/conv_missing", expect=404)
    check("get", "/v1/conversations?limit=0", expect=400)
    check("post", "/v1/chat", {"message": ""}, expect=400)
    check("post", "/v1/chat", {"message": "Hi", "tenantId": "ws_other"}, expect=403)
    assert json.loads(api_client.get("/v1/conversations").content)["pagination"]["total"] == 3

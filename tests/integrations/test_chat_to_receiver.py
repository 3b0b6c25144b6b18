"""End to end: a chat message through the API reaches the customer's receiver, signed."""
from standardwebhooks import Webhook as StandardWebhook

from conversations.services import demo_knowledge_base_load
from integrations.models import Delivery
from tests.factories import WebhookFactory
from tests.helpers import wait_until


def test_a_chat_message_reaches_the_receiver_as_message_sent(
    celery_worker, api_client, workspace, receiver
):
    demo_knowledge_base_load(workspace=workspace)
    webhook = WebhookFactory(workspace=workspace, url=receiver.url, events=["message.sent"])

    reply = api_client.post("/v1/chat", {"tenantId": workspace.public_id,
                                         "message": "How long is shipping?", "userId": "cust-1"},
                            format="json").json()["data"]

    wait_until(lambda: receiver.requests)
    request = receiver.requests[0]
    payload = StandardWebhook(webhook.secrets[0]["secret"]).verify(request.body, request.headers)
    assert payload["event"] == "message.sent"
    assert payload["data"]["conversationId"] == reply["conversationId"]
    assert payload["data"]["userId"] == "cust-1"
    assert payload["data"]["message"] == "How long is shipping?"
    assert payload["data"]["response"] == reply["message"]
    assert payload["data"]["confidence"] == reply["confidence"]
    assert request.headers["webhook-id"] == payload["id"]
    wait_until(lambda: Delivery.objects.filter(status="succeeded").count() == 1)
    assert len(receiver.requests) == 1  # conversation.created and user.started not subscribed

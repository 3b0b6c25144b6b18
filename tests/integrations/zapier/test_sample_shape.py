"""Zapier's performList polls GET /v1/events: each item must be, key for key, what a hook
receives, for every event type (Zapier builds the zap's field mapping from the sample)."""
import datetime
import json

from conversations.services import demo_knowledge_base_load
from integrations.delivery.dispatch import event_dispatch
from integrations.delivery.sending import delivery_send
from integrations.reports.services import report_send_now
from metachat.events.catalogue import DATA_FIELDS, OPERATIONAL_EVENTS, EventType
from metachat.events.models import Event

# The events a conversation and its daily report produce (operational ones come from failing
# integrations).
CONVERSATION_EVENTS = [t for t in EventType.values if t not in OPERATIONAL_EVENTS]


def _keys(value):
    """The shape of a JSON value: its keys, all the way down."""
    if isinstance(value, dict):
        return {key: _keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_keys(item) for item in value]
    return type(value).__name__


def test_polled_events_have_exactly_the_shape_hooks_receive(api_client, workspace, receiver):
    demo_knowledge_base_load(workspace=workspace)
    for event_type in CONVERSATION_EVENTS:
        assert api_client.post("/v1/hooks", {"targetUrl": receiver.url, "event": event_type},
                               format="json").status_code == 201
    # A conversation that produces every event type, through the API.
    user = {"name": "Ada Lovelace", "email": "ada@example.com", "companyName": "Acme",
            "plan": "pro"}
    assert api_client.post("/v1/sessions", {"userId": "cust-1", "user": user},
                           format="json").status_code == 201
    chat = api_client.post("/v1/chat", {"message": "How long is shipping?", "userId": "cust-1"},
                           format="json").json()["data"]
    api_client.post("/v1/chat", {"message": "Can I talk to a human?",
                                 "conversationId": chat["conversationId"]}, format="json")
    api_client.post(f"/v1/conversations/{chat['conversationId']}/end")
    report_send_now(workspace=workspace, day=datetime.datetime.now(datetime.UTC).date())
    for event in Event.objects.filter(workspace=workspace).order_by("pk"):
        for delivery in event_dispatch(event=event):
            delivery_send(delivery_pk=delivery.pk, attempts_made=0)
    received = {}
    for request in receiver.requests:
        body = json.loads(request.body)
        received[body["id"]] = body

    for event_type in CONVERSATION_EVENTS:
        response = api_client.get("/v1/events", {"type": event_type, "limit": 3})
        polled = response.json()["data"]

        assert response.status_code == 200 and polled, event_type
        for item in polled:
            hooked = received[item["id"]]
            assert _keys(item) == _keys(hooked), event_type
            assert item == hooked, event_type
            assert set(item) == {"id", "event", "timestamp", "data"}
            assert set(item["data"]) == set(DATA_FIELDS[event_type]), event_type
    started = api_client.get("/v1/events", {"type": "user.started"}).json()["data"][0]
    assert started["data"]["user"]["companyName"] == "Acme"

"""The catalogue documents every event's payload, and /v1/docs/ shows it."""
from metachat.events.catalogue import DATA_FIELDS, EXAMPLES, TRIGGERED_WHEN, EventType


def test_every_event_is_documented_with_an_example_of_exactly_its_fields():
    for type in EventType:
        assert TRIGGERED_WHEN[type]
        assert list(EXAMPLES[type]) == list(DATA_FIELDS[type])


def test_the_guides_message_sent_example_is_the_documented_one():
    assert EXAMPLES[EventType.MESSAGE_SENT] == {
        "conversationId": "conv_abc123",
        "userId": "user_xyz789",
        "message": "How long is shipping?",
        "response": "Shipping takes 3-5 business days.",
        "confidence": 0.95,
    }


def test_the_api_schema_shows_every_event_payload(client):
    response = client.get("/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    message_sent = schema["components"]["schemas"]["EventMessageSentPayload"]
    assert message_sent["properties"]["event"]["enum"] == ["message.sent"]
    assert set(message_sent["properties"]["data"]["properties"]) == {
        "conversationId", "userId", "message", "response", "confidence",
    }
    ended = schema["components"]["schemas"]["EventConversationEndedPayload"]
    assert ended["properties"]["data"]["properties"]["duration"]["type"] == "integer"
    for type in EventType:
        assert f"`{type.value}`" in schema["info"]["description"]
    assert '"response": "Shipping takes 3-5 business days."' in schema["info"]["description"]

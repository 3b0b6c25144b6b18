"""The catalogue documents every event's payload, and /v1/docs/ shows it."""
from metachat.events.catalogue import (
    DATA_FIELDS,
    EXAMPLES,
    OPERATIONAL_EVENTS,
    SPECS,
    TRIGGERED_WHEN,
    EventType,
    spec_for,
)


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


_PYTHON_TYPES = {
    "string": (str,), "integer": (int,), "number": (int, float), "object": (dict,),
    "array": (list,), "boolean": (bool,),
}


def test_every_example_value_has_its_fields_declared_type():
    for spec in SPECS:
        for name, field in spec.fields.items():
            value = spec.example[name]
            assert isinstance(value, _PYTHON_TYPES[field.type]), (spec.name, name)
            if field.type in ("integer", "number"):
                assert not isinstance(value, bool), (spec.name, name)


def test_event_type_is_the_specs_choices_under_their_member_names():
    assert [(member.name, member.value, member.label) for member in EventType] == [
        (spec.member_name, spec.name, spec.label) for spec in SPECS
    ]
    assert EventType.MESSAGE_SENT == "message.sent"
    assert EventType("crm.error") is EventType.CRM_ERROR
    assert EventType.CRM_ERROR.label == "CRM connection error"
    assert spec_for(EventType.REPORT_DAILY).label == "Daily report"


def test_operational_events_are_the_specs_marked_operational():
    assert {str(type) for type in OPERATIONAL_EVENTS} == {
        "webhook.failing", "webhook.disabled", "webhook.recovered", "crm.error",
        "delivery.exhausted",
    }
    assert EventType.MESSAGE_SENT not in OPERATIONAL_EVENTS
    assert EventType.DELIVERY_EXHAUSTED in OPERATIONAL_EVENTS

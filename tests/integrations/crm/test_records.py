"""What a CRM record holds: source fields from the event and the conversation, mapped."""
from types import SimpleNamespace

import pytest

from conversations.engine import Answer
from conversations.services import (
    conversation_end,
    conversation_start,
    end_user_identify,
    message_post,
)
from integrations.crm.records import apply_transform, fill_placeholders, record_from_values
from integrations.crm.sources import TRANSCRIPT_MAX_CHARS, source_values
from tests.integrations.crm.payloads import ended, message_sent


def open_conversation(workspace):
    user = end_user_identify(workspace=workspace, user_id="cust-42",
                             user_info={"name": "Jane Doe", "email": "jane@example.com"})
    conversation = conversation_start(workspace=workspace, end_user=user)
    message_post(conversation=conversation, text="How long is shipping?",
                 answer=Answer(text="Shipping takes 3-5 business days.", confidence=0.95,
                               sources=[]))
    message_post(conversation=conversation, text="And returns?",
                 answer=Answer(text="Returns are free within 30 days.", confidence=0.8,
                               sources=[]))
    return conversation


@pytest.fixture
def conversation(workspace):
    return conversation_end(conversation=open_conversation(workspace))


def test_an_ended_conversation_brings_its_user_and_transcript(workspace, conversation):
    values = source_values(workspace=workspace,
                           payload=ended(conversation.public_id, userId="cust-42"))

    assert values["user_name"] == "Jane Doe"
    assert values["user_email"] == "jane@example.com"
    assert values["transcript"] == (
        "User: How long is shipping?\nBot: Shipping takes 3-5 business days.\n"
        "User: And returns?\nBot: Returns are free within 30 days.")
    assert values["user_message"] == "And returns?"
    assert values["bot_response"] == "Returns are free within 30 days."
    assert values["confidence"] == 0.8
    assert values["duration"] == 95 and values["message_count"] == 4
    assert values["end_reason"] == "ended_by_user" and values["escalation_reason"] == ""


def test_another_workspaces_conversation_lends_nothing(other_workspace, conversation):
    values = source_values(workspace=other_workspace, payload=ended(conversation.public_id))

    assert values["user_email"] == ""
    assert "shipping" not in values["transcript"]


def test_the_event_wins_over_the_conversation(workspace, conversation):
    values = source_values(workspace=workspace, payload=message_sent(conversation.public_id))

    assert values["user_message"] == "How long is shipping?"
    assert values["bot_response"] == "Shipping takes 3-5 business days."
    assert values["confidence"] == 0.95


def test_a_long_transcript_keeps_the_latest_messages(workspace):
    conversation = open_conversation(workspace)
    for n in range(40):
        message_post(conversation=conversation, text=f"Question {n} " + "x" * 900,
                     answer=Answer(text="Answer", confidence=0.9, sources=[]))

    transcript = source_values(workspace=workspace,
                               payload=ended(conversation.public_id))["transcript"]

    assert len(transcript) == TRANSCRIPT_MAX_CHARS
    assert transcript.startswith("…") and transcript.endswith("Bot: Answer")


def test_escalations_carry_their_reason(workspace):
    payload = {"id": "evt_1", "event": "escalation.triggered",
               "timestamp": "2025-01-15T10:30:00.000Z",
               "data": {"conversationId": "conv_x", "userId": "u", "reason": "low_confidence",
                        "confidence": 0.2, "message": "Can I pay with crypto?"}}

    values = source_values(workspace=workspace, payload=payload)

    assert values["escalation_reason"] == "low_confidence"
    assert values["end_reason"] == ""
    assert values["user_message"] == "Can I pay with crypto?"


@pytest.mark.parametrize("value, transform, expected", [
    ("2025-01-15T10:30:00.000Z", "date", "2025-01-15"),
    ("2025-01-15T10:30:00.000Z", "datetime", "2025-01-15T10:30:00Z"),
    ("2025-01-15T10:30:00.000Z", "unix_ms", 1736937000000),
    (0.95, "percent", 95),
    ("Jane", "upper", "JANE"),
    ("x" * 300, "truncate_255", "x" * 255),
    ("not a date", "date", "not a date"),
    (None, "percent", None),
])
def test_transforms(value, transform, expected):
    assert apply_transform(value, transform) == expected


def test_fixed_values_fill_known_placeholders_only():
    values = {"conversation_id": "conv_1", "confidence": None}

    assert fill_placeholders("Chat {conversation_id} ({confidence}) {nope} {0}", values) == (
        "Chat conv_1 () {nope} {0}")


def test_a_record_maps_sources_and_fixed_values_in_order():
    mappings = [
        SimpleNamespace(source_field="", fixed_value="Chat {conversation_id}",
                        target_field="Subject", transform=""),
        SimpleNamespace(source_field="confidence", fixed_value="", target_field="Score__c",
                        transform="percent"),
    ]

    record = record_from_values(mappings=mappings,
                                values={"conversation_id": "conv_9", "confidence": 0.5})

    assert list(record.fields.items()) == [("Subject", "Chat conv_9"), ("Score__c", 50)]

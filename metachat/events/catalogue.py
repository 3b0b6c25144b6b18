"""The event types a workspace emits, named as in the product guide: one spec per event.

Payload builders live with the code that publishes each event; the shape of every
payload is the guide's envelope `{"id", "event", "timestamp", "data"}` with camelCase
fields in `data`. Everything else here (`EventType`, `DATA_FIELDS`, `TRIGGERED_WHEN`,
`EXAMPLES`, `OPERATIONAL_EVENTS`, the API docs, the README's tables) is derived from `SPECS`.
"""
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from django.db import models

JsonType = Literal["string", "number", "integer", "boolean", "object", "array"]


@dataclass(frozen=True)
class Field:
    """One field of an event's `data`: its JSON type and what it holds."""

    type: JsonType
    description: str


@dataclass(frozen=True)
class EventSpec:
    """Everything the product says about one event."""

    name: str  # the event's type, as receivers see it in `event`
    label: str
    fires_when: str  # as the product guide puts it
    fields: Mapping[str, Field]  # `data`'s fields, in payload order
    example: Mapping[str, Any]  # an example `data`, consistent with the guide's examples
    # Operational events are sent only to destinations that name them (not to "*"), and never
    # published about the delivery of one of them, so a failing destination cannot feed on its
    # own failure events.
    operational: bool = False

    def __post_init__(self):
        # Frozen all the way down to the mappings, so no caller edits the catalogue by accident.
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "example", MappingProxyType(dict(self.example)))

    @property
    def member_name(self) -> str:
        """`conversation.created` → `CONVERSATION_CREATED`, the `EventType` member."""
        return self.name.upper().replace(".", "_")


def _s(description: str) -> Field:
    return Field("string", description)


def _i(description: str) -> Field:
    return Field("integer", description)


def _n(description: str) -> Field:
    return Field("number", description)


SPECS: tuple[EventSpec, ...] = (
    EventSpec(
        name="conversation.created",
        label="Conversation created",
        fires_when="A new conversation starts (the first message of a chat).",
        fields={
            "conversationId": _s("conv_… id of the new conversation"),
            "userId": _s("the end user's id"),
        },
        example={"conversationId": "conv_abc123", "userId": "user_xyz789"},
    ),
    EventSpec(
        name="message.sent",
        label="Message sent",
        fires_when="The chatbot answers a user's message.",
        fields={
            "conversationId": _s("conv_… id"),
            "userId": _s("the end user's id"),
            "message": _s("what the user asked"),
            "response": _s("what the chatbot answered"),
            "confidence": _n("the answer's confidence, 0 to 1"),
        },
        example={
            "conversationId": "conv_abc123",
            "userId": "user_xyz789",
            "message": "How long is shipping?",
            "response": "Shipping takes 3-5 business days.",
            "confidence": 0.95,
        },
    ),
    EventSpec(
        name="conversation.ended",
        label="Conversation ended",
        fires_when="A conversation closes: ended through the API or after the workspace's "
        "idle timeout (then its end is its last message).",
        fields={
            "conversationId": _s("conv_… id"),
            "userId": _s("the end user's id"),
            "duration": _i("seconds from start to end"),
            "messageCount": _i("messages exchanged"),
            "reason": _s("why it ended: ended_by_user (the client ended it) or idle_timeout"),
        },
        example={
            "conversationId": "conv_abc123",
            "userId": "user_xyz789",
            "duration": 184,
            "messageCount": 6,
            "reason": "ended_by_user",
        },
    ),
    EventSpec(
        name="user.started",
        label="User started",
        fires_when="A user opens the chat (POST /v1/sessions).",
        fields={
            "userId": _s("the end user's id"),
            "user": Field(
                "object", "the user's info: name, email and any other fields the client sent",
            ),
            "timestamp": _s("when the user opened the chat (ISO 8601, UTC)"),
        },
        example={
            "userId": "user_xyz789",
            "user": {"name": "Ada Lovelace", "email": "ada@example.com", "plan": "pro"},
            "timestamp": "2025-01-15T10:29:58.120Z",
        },
    ),
    EventSpec(
        name="escalation.triggered",
        label="Escalation triggered",
        fires_when="The chatbot hands a conversation to a person: its confidence was below "
        "the workspace's threshold, or the user asked for a person. Once per conversation.",
        fields={
            "conversationId": _s("conv_… id"),
            "userId": _s("the end user's id"),
            "reason": _s("low_confidence or user_requested"),
            "confidence": _n("the confidence that led to it, 0 to 1"),
            "message": _s("the user's message that triggered it"),
        },
        example={
            "conversationId": "conv_abc123",
            "userId": "user_xyz789",
            "reason": "low_confidence",
            "confidence": 0.21,
            "message": "Can I pay with cryptocurrency?",
        },
    ),
    EventSpec(
        name="report.daily",
        label="Daily report",
        fires_when="A workspace's daily report is sent, at its schedule's local time "
        "(09:00 by default): the summary of the previous local day. Once per day.",
        fields={
            "reportId": _s("rpt_… id of the report"),
            "workspaceId": _s("ws_… id of the workspace"),
            "date": _s("the local day summarised (YYYY-MM-DD)"),
            "timezone": _s("the IANA time zone the day is in"),
            "conversationsStarted": _i("conversations started that day"),
            "conversationsEnded": _i("conversations ended that day"),
            "messages": _i("messages exchanged (the user's and the chatbot's)"),
            "distinctUsers": _i("users who wrote at least one message"),
            "escalations": _i("conversations handed to a person"),
            "escalationRate": _n("escalations per conversation started, 0 to 1"),
            "escalationsByReason": Field(
                "object", "escalations by reason: low_confidence, user_requested",
            ),
            "answers": _i("chatbot answers with a confidence"),
            "averageConfidence": _n(
                "the answers' average confidence, 0 to 1 (null without answers)",
            ),
            "lowestDecileConfidence": _n(
                "the confidence below which the lowest 10% of answers fall",
            ),
            "escalationThreshold": _n("the workspace's escalation threshold"),
            "belowThresholdShare": _n(
                "share of answers below the escalation threshold, 0 to 1",
            ),
            "medianDurationSeconds": _i("median duration of the conversations ended that day"),
            "busiestHour": _i("the local hour (0-23) in which most conversations started"),
            "conversationsByHour": Field(
                "array", "24 counts of conversations started, local hour 0 to 23",
            ),
            "topQuestions": Field(
                "array", "the most frequent user messages, normalised: [{question, count}]",
            ),
            "unansweredQuestions": Field(
                "array", "questions escalated for low confidence: [{question, count}]",
            ),
            "failedDeliveries": Field(
                "object", "deliveries that gave up that day, by kind: webhook, crm, zapier",
            ),
        },
        example={
            "reportId": "rpt_5m2k8q4x1c7v3n9z6p0h",
            "workspaceId": "ws_8c1f4a7d2e9b5c3a6f0d",
            "date": "2025-01-14",
            "timezone": "Europe/Berlin",
            "conversationsStarted": 128,
            "conversationsEnded": 121,
            "messages": 904,
            "distinctUsers": 117,
            "escalations": 9,
            "escalationRate": 0.0703,
            "escalationsByReason": {"low_confidence": 6, "user_requested": 3},
            "answers": 452,
            "averageConfidence": 0.8121,
            "lowestDecileConfidence": 0.41,
            "escalationThreshold": 0.5,
            "belowThresholdShare": 0.0531,
            "medianDurationSeconds": 184,
            "busiestHour": 14,
            "conversationsByHour": [0, 0, 0, 0, 0, 0, 1, 3, 8, 11, 12, 10, 9, 11, 15, 12, 10,
                                    9, 6, 4, 3, 2, 1, 1],
            "topQuestions": [{"question": "how long is shipping", "count": 31},
                             {"question": "where is my order", "count": 22}],
            "unansweredQuestions": [{"question": "can i pay with cryptocurrency", "count": 4}],
            "failedDeliveries": {"webhook": 1, "crm": 0, "zapier": 0},
        },
    ),
    # Operational events: the workspace's own integrations telling it how they are doing.
    EventSpec(
        name="webhook.failing",
        label="Webhook failing",
        fires_when="A webhook's deliveries start failing (the first failure after a "
        "success). Once per failing period.",
        fields={
            "webhookId": _s("wh_… id of the webhook"),
            "name": _s("the webhook's name"),
            "error": _s("the last delivery's error"),
            "failingSince": _s("when the first failure happened (ISO 8601, UTC)"),
        },
        example={
            "webhookId": "wh_4f8a2c9d1e7b3a6c5d0e", "name": "Order system",
            "error": "HTTP 503", "failingSince": "2025-01-15T10:30:00.000Z",
        },
        operational=True,
    ),
    EventSpec(
        name="webhook.disabled",
        label="Webhook disabled",
        fires_when="A webhook is switched off automatically after failing for days on end "
        "(5 by default).",
        fields={
            "webhookId": _s("wh_… id of the webhook"),
            "name": _s("the webhook's name"),
            "reason": _s("why it was switched off"),
            "error": _s("the last delivery's error"),
        },
        example={
            "webhookId": "wh_4f8a2c9d1e7b3a6c5d0e", "name": "Order system",
            "reason": "Disabled automatically: every delivery failed for 5 days. Last error: "
            "HTTP 503", "error": "HTTP 503",
        },
        operational=True,
    ),
    EventSpec(
        name="webhook.recovered",
        label="Webhook recovered",
        fires_when="A failing webhook answers with a 2xx again.",
        fields={
            "webhookId": _s("wh_… id of the webhook"),
            "name": _s("the webhook's name"),
            "recoveredAt": _s("when it answered with a 2xx again (ISO 8601, UTC)"),
        },
        example={
            "webhookId": "wh_4f8a2c9d1e7b3a6c5d0e", "name": "Order system",
            "recoveredAt": "2025-01-15T11:05:00.000Z",
        },
        operational=True,
    ),
    EventSpec(
        name="crm.error",
        label="CRM connection error",
        fires_when="A CRM connection goes to Error: the CRM refused a record for good "
        "(credentials, permission, an unknown field or object).",
        fields={
            "connectionId": _s("crm_… id of the CRM connection"),
            "name": _s("the connection's name"),
            "provider": _s("salesforce, hubspot, zendesk, intercom or pipedrive"),
            "reason": _s("the CRM's reason, and the mapping row that caused it"),
        },
        example={
            "connectionId": "crm_8q775f4u5x784q44khpo", "name": "Sales",
            "provider": "salesforce",
            "reason": "Salesforce rejected the record: INVALID_FIELD: No such column "
            "'Confidence__c' on sobject of type Task. Caused by field mapping row 2 "
            "(confidence → Confidence__c): fix or remove that row, then press Test.",
        },
        operational=True,
    ),
    EventSpec(
        name="delivery.exhausted",
        label="Delivery exhausted",
        fires_when="A delivery gives up: its retries ran out, or the destination refused it "
        "for good.",
        fields={
            "deliveryId": _s("dlv_… id of the delivery that gave up"),
            "eventId": _s("evt_… id of the event it carried"),
            "eventType": _s("that event's type"),
            "destinationKind": _s("webhook or crm"),
            "destinationId": _s("wh_…, crm_… or hook_… id of the destination"),
            "attempts": _i("attempts made"),
            "error": _s("the last attempt's error"),
        },
        example={
            "deliveryId": "dlv_7h2k9m4q1x8c5v3n6z0p", "eventId": "evt_2b7k9q4m1x8c5v3n6z0p",
            "eventType": "conversation.ended", "destinationKind": "webhook",
            "destinationId": "wh_4f8a2c9d1e7b3a6c5d0e", "attempts": 8, "error": "HTTP 503",
        },
        operational=True,
    ),
)

# The functional API keeps `EventType` an ordinary TextChoices (member names, values and
# labels as before), so models, migrations and `EventType.MESSAGE_SENT` callers see no change.
EventType = models.TextChoices(
    "EventType",
    [(spec.member_name, (spec.name, spec.label)) for spec in SPECS],
    module=__name__,
    qualname="EventType",
)

SPEC_BY_TYPE: Mapping[str, EventSpec] = MappingProxyType({spec.name: spec for spec in SPECS})


def spec_for(type: str) -> EventSpec:
    """The spec of event `type` (an `EventType` or its value); KeyError if there is none."""
    return SPEC_BY_TYPE[str(type)]


# The views other modules have always read, keyed by `EventType` member.
OPERATIONAL_EVENTS = frozenset(EventType(spec.name) for spec in SPECS if spec.operational)

DATA_FIELDS: dict[str, dict[str, str]] = {
    EventType(spec.name): {name: field.description for name, field in spec.fields.items()}
    for spec in SPECS
}

TRIGGERED_WHEN: dict[str, str] = {EventType(spec.name): spec.fires_when for spec in SPECS}

EXAMPLES: dict[str, dict] = {EventType(spec.name): dict(spec.example) for spec in SPECS}


def example_payload(type: str) -> dict:
    """A whole example payload of `type`, as receivers get it."""
    return {
        "id": "evt_2b7k9q4m1x8c5v3n6z0p",
        "event": str(type),
        "timestamp": "2025-01-15T10:30:00.000Z",
        "data": EXAMPLES[type],
    }

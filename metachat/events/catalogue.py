"""The event types a workspace emits, named as in the product guide.

Payload builders live with the code that publishes each event; the shape of every
payload is the guide's envelope `{"id", "event", "timestamp", "data"}` with camelCase
fields in `data`.
"""
from django.db import models


class EventType(models.TextChoices):
    CONVERSATION_CREATED = "conversation.created", "Conversation created"
    MESSAGE_SENT = "message.sent", "Message sent"
    CONVERSATION_ENDED = "conversation.ended", "Conversation ended"
    USER_STARTED = "user.started", "User started"
    ESCALATION_TRIGGERED = "escalation.triggered", "Escalation triggered"
    REPORT_DAILY = "report.daily", "Daily report"
    # Operational events: the workspace's own integrations telling it how they are doing.
    WEBHOOK_FAILING = "webhook.failing", "Webhook failing"
    WEBHOOK_DISABLED = "webhook.disabled", "Webhook disabled"
    WEBHOOK_RECOVERED = "webhook.recovered", "Webhook recovered"
    CRM_ERROR = "crm.error", "CRM connection error"
    DELIVERY_EXHAUSTED = "delivery.exhausted", "Delivery exhausted"


# Sent only to destinations that name them (not to "*"), and never published about the
# delivery of one of them, so a failing destination cannot feed on its own failure events.
OPERATIONAL_EVENTS = frozenset({
    EventType.WEBHOOK_FAILING, EventType.WEBHOOK_DISABLED, EventType.WEBHOOK_RECOVERED,
    EventType.CRM_ERROR, EventType.DELIVERY_EXHAUSTED,
})


# What each event's `data` holds, for the API docs and the README.
DATA_FIELDS: dict[str, dict[str, str]] = {
    EventType.CONVERSATION_CREATED: {
        "conversationId": "conv_… id of the new conversation",
        "userId": "the end user's id",
    },
    EventType.MESSAGE_SENT: {
        "conversationId": "conv_… id",
        "userId": "the end user's id",
        "message": "what the user asked",
        "response": "what the chatbot answered",
        "confidence": "the answer's confidence, 0 to 1",
    },
    EventType.CONVERSATION_ENDED: {
        "conversationId": "conv_… id",
        "userId": "the end user's id",
        "duration": "seconds from start to end",
        "messageCount": "messages exchanged",
        "reason": "why it ended: ended_by_user (the client ended it) or idle_timeout",
    },
    EventType.USER_STARTED: {
        "userId": "the end user's id",
        "user": "the user's info: name, email and any other fields the client sent",
        "timestamp": "when the user opened the chat (ISO 8601, UTC)",
    },
    EventType.ESCALATION_TRIGGERED: {
        "conversationId": "conv_… id",
        "userId": "the end user's id",
        "reason": "low_confidence or user_requested",
        "confidence": "the confidence that led to it, 0 to 1",
        "message": "the user's message that triggered it",
    },
    EventType.REPORT_DAILY: {
        "reportId": "rpt_… id of the report",
        "workspaceId": "ws_… id of the workspace",
        "date": "the local day summarised (YYYY-MM-DD)",
        "timezone": "the IANA time zone the day is in",
        "conversationsStarted": "conversations started that day",
        "conversationsEnded": "conversations ended that day",
        "messages": "messages exchanged (the user's and the chatbot's)",
        "distinctUsers": "users who wrote at least one message",
        "escalations": "conversations handed to a person",
        "escalationRate": "escalations per conversation started, 0 to 1",
        "escalationsByReason": "escalations by reason: low_confidence, user_requested",
        "answers": "chatbot answers with a confidence",
        "averageConfidence": "the answers' average confidence, 0 to 1 (null without answers)",
        "lowestDecileConfidence": "the confidence below which the lowest 10% of answers fall",
        "escalationThreshold": "the workspace's escalation threshold",
        "belowThresholdShare": "share of answers below the escalation threshold, 0 to 1",
        "medianDurationSeconds": "median duration of the conversations ended that day",
        "busiestHour": "the local hour (0-23) in which most conversations started",
        "conversationsByHour": "24 counts of conversations started, local hour 0 to 23",
        "topQuestions": "the most frequent user messages, normalised: [{question, count}]",
        "unansweredQuestions": "questions escalated for low confidence: [{question, count}]",
        "failedDeliveries": "deliveries that gave up that day, by kind: webhook, crm, zapier",
    },
    EventType.WEBHOOK_FAILING: {
        "webhookId": "wh_… id of the webhook",
        "name": "the webhook's name",
        "error": "the last delivery's error",
        "failingSince": "when the first failure happened (ISO 8601, UTC)",
    },
    EventType.WEBHOOK_DISABLED: {
        "webhookId": "wh_… id of the webhook",
        "name": "the webhook's name",
        "reason": "why it was switched off",
        "error": "the last delivery's error",
    },
    EventType.WEBHOOK_RECOVERED: {
        "webhookId": "wh_… id of the webhook",
        "name": "the webhook's name",
        "recoveredAt": "when it answered with a 2xx again (ISO 8601, UTC)",
    },
    EventType.CRM_ERROR: {
        "connectionId": "crm_… id of the CRM connection",
        "name": "the connection's name",
        "provider": "salesforce, hubspot, zendesk, intercom or pipedrive",
        "reason": "the CRM's reason, and the mapping row that caused it",
    },
    EventType.DELIVERY_EXHAUSTED: {
        "deliveryId": "dlv_… id of the delivery that gave up",
        "eventId": "evt_… id of the event it carried",
        "eventType": "that event's type",
        "destinationKind": "webhook or crm",
        "destinationId": "wh_… or crm_… id of the destination",
        "attempts": "attempts made",
        "error": "the last attempt's error",
    },
}


# When each event fires, as the product guide puts it.
TRIGGERED_WHEN: dict[str, str] = {
    EventType.CONVERSATION_CREATED: "A new conversation starts (the first message of a chat).",
    EventType.MESSAGE_SENT: "The chatbot answers a user's message.",
    EventType.CONVERSATION_ENDED: "A conversation closes: ended through the API or after the "
    "workspace's idle timeout (then its end is its last message).",
    EventType.USER_STARTED: "A user opens the chat (POST /v1/sessions).",
    EventType.ESCALATION_TRIGGERED: "The chatbot hands a conversation to a person: its "
    "confidence was below the workspace's threshold, or the user asked for a person. "
    "Once per conversation.",
    EventType.REPORT_DAILY: "A workspace's daily report is sent, at its schedule's local time "
    "(09:00 by default): the summary of the previous local day. Once per day.",
    EventType.WEBHOOK_FAILING: "A webhook's deliveries start failing (the first failure after "
    "a success). Once per failing period.",
    EventType.WEBHOOK_DISABLED: "A webhook is switched off automatically after "
    "WEBHOOK_DISABLE_AFTER_DAYS of failures.",
    EventType.WEBHOOK_RECOVERED: "A failing webhook answers with a 2xx again.",
    EventType.CRM_ERROR: "A CRM connection goes to Error: the CRM refused a record for good "
    "(credentials, permission, an unknown field or object).",
    EventType.DELIVERY_EXHAUSTED: "A delivery gives up: its retries ran out, or the "
    "destination refused it for good.",
}

# JSON types of the fields of `data` (everything else is a string).
DATA_TYPES: dict[str, str] = {
    "confidence": "number",
    "duration": "integer",
    "messageCount": "integer",
    "user": "object",
    "attempts": "integer",
    "conversationsStarted": "integer",
    "conversationsEnded": "integer",
    "messages": "integer",
    "distinctUsers": "integer",
    "escalations": "integer",
    "escalationRate": "number",
    "escalationsByReason": "object",
    "answers": "integer",
    "averageConfidence": "number",
    "lowestDecileConfidence": "number",
    "escalationThreshold": "number",
    "belowThresholdShare": "number",
    "medianDurationSeconds": "integer",
    "busiestHour": "integer",
    "conversationsByHour": "array",
    "topQuestions": "array",
    "unansweredQuestions": "array",
    "failedDeliveries": "object",
}

# An example `data` of each event, consistent with the guide's webhook example.
EXAMPLES: dict[str, dict] = {
    EventType.CONVERSATION_CREATED: {"conversationId": "conv_abc123", "userId": "user_xyz789"},
    EventType.MESSAGE_SENT: {
        "conversationId": "conv_abc123",
        "userId": "user_xyz789",
        "message": "How long is shipping?",
        "response": "Shipping takes 3-5 business days.",
        "confidence": 0.95,
    },
    EventType.CONVERSATION_ENDED: {
        "conversationId": "conv_abc123",
        "userId": "user_xyz789",
        "duration": 184,
        "messageCount": 6,
        "reason": "ended_by_user",
    },
    EventType.USER_STARTED: {
        "userId": "user_xyz789",
        "user": {"name": "Ada Lovelace", "email": "ada@example.com", "plan": "pro"},
        "timestamp": "2025-01-15T10:29:58.120Z",
    },
    EventType.ESCALATION_TRIGGERED: {
        "conversationId": "conv_abc123",
        "userId": "user_xyz789",
        "reason": "low_confidence",
        "confidence": 0.21,
        "message": "Can I pay with cryptocurrency?",
    },
    EventType.REPORT_DAILY: {
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
        "conversationsByHour": [0, 0, 0, 0, 0, 0, 1, 3, 8, 11, 12, 10, 9, 11, 15, 12, 10, 9,
                                6, 4, 3, 2, 1, 1],
        "topQuestions": [{"question": "how long is shipping", "count": 31},
                         {"question": "where is my order", "count": 22}],
        "unansweredQuestions": [{"question": "can i pay with cryptocurrency", "count": 4}],
        "failedDeliveries": {"webhook": 1, "crm": 0, "zapier": 0},
    },
    EventType.WEBHOOK_FAILING: {
        "webhookId": "wh_4f8a2c9d1e7b3a6c5d0e", "name": "Order system",
        "error": "HTTP 503", "failingSince": "2025-01-15T10:30:00.000Z",
    },
    EventType.WEBHOOK_DISABLED: {
        "webhookId": "wh_4f8a2c9d1e7b3a6c5d0e", "name": "Order system",
        "reason": "Disabled automatically: every delivery failed for 5 days. Last error: "
        "HTTP 503", "error": "HTTP 503",
    },
    EventType.WEBHOOK_RECOVERED: {
        "webhookId": "wh_4f8a2c9d1e7b3a6c5d0e", "name": "Order system",
        "recoveredAt": "2025-01-15T11:05:00.000Z",
    },
    EventType.CRM_ERROR: {
        "connectionId": "crm_8q775f4u5x784q44khpo", "name": "Sales", "provider": "salesforce",
        "reason": "Salesforce rejected the record: INVALID_FIELD: No such column "
        "'Confidence__c' on sobject of type Task. Caused by field mapping row 2 (confidence → "
        "Confidence__c): fix or remove that row, then press Test.",
    },
    EventType.DELIVERY_EXHAUSTED: {
        "deliveryId": "dlv_7h2k9m4q1x8c5v3n6z0p", "eventId": "evt_2b7k9q4m1x8c5v3n6z0p",
        "eventType": "conversation.ended", "destinationKind": "webhook",
        "destinationId": "wh_4f8a2c9d1e7b3a6c5d0e", "attempts": 8, "error": "HTTP 503",
    },
}


def example_payload(type: str) -> dict:
    """A whole example payload of `type`, as receivers get it."""
    return {
        "id": "evt_2b7k9q4m1x8c5v3n6z0p",
        "event": str(type),
        "timestamp": "2025-01-15T10:30:00.000Z",
        "data": EXAMPLES[type],
    }

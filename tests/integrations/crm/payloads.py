"""Event payloads as the outbox writes them (the guide's envelope)."""


def ended(conversation_id="conv_1", **data):
    return {"id": f"evt_{conversation_id}", "event": "conversation.ended",
            "timestamp": "2025-01-15T10:30:00.000Z",
            "data": {"conversationId": conversation_id, "userId": "user_xyz789",
                     "duration": 95, "messageCount": 4, "reason": "ended_by_user", **data}}


def message_sent(conversation_id="conv_abc123", **data):
    return {"id": f"evt_m_{conversation_id}", "event": "message.sent",
            "timestamp": "2025-01-15T10:30:00.000Z",
            "data": {"conversationId": conversation_id, "userId": "user_xyz789",
                     "message": "How long is shipping?",
                     "response": "Shipping takes 3-5 business days.", "confidence": 0.95,
                     **data}}

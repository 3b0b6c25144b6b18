"""A day of conversations with known numbers, written at chosen moments."""
import datetime

import time_machine

from conversations.models import Conversation, Message
from integrations.models import Delivery
from metachat.events.services import event_publish
from tests.factories import ConversationFactory, EndUserFactory, WebhookFactory


def at(tz, y, m, d, hh, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=tz)


def conversation(workspace, *, user, started, turns, ended_after=None, escalate=None):
    """`turns`: [(question, confidence)], a minute apart. `escalate`: a reason; a
    low_confidence escalation happens on the first answer below the threshold."""
    convo = ConversationFactory(workspace=workspace, end_user=user, started_at=started,
                                last_activity_at=started)
    moment = started
    for question, confidence in turns:
        Message.objects.create(workspace=workspace, conversation=convo, role="user",
                               text=question, created_at=moment)
        Message.objects.create(workspace=workspace, conversation=convo, role="bot",
                               text="An answer.", confidence=confidence, created_at=moment)
        if escalate and not convo.escalated_at and (
            escalate == "user_requested" or confidence < workspace.escalation_threshold
        ):
            convo.escalated_at, convo.escalation_reason = moment, escalate
            convo.status = Conversation.Status.ESCALATED
            with time_machine.travel(moment, tick=False):
                event_publish(workspace=workspace, type="escalation.triggered", data={
                    "conversationId": convo.public_id, "userId": user.user_id,
                    "reason": escalate, "confidence": confidence, "message": question,
                })
        moment += datetime.timedelta(minutes=1)
    if ended_after is not None:
        convo.ended_at = started + datetime.timedelta(seconds=ended_after)
        convo.status = Conversation.Status.ENDED
        convo.end_reason = Conversation.EndReason.ENDED_BY_USER
    convo.save()
    return convo


def berlin_day(workspace, tz):
    """2026-03-10 in Berlin: 4 conversations started (3 at 14:xx), one the evening before,
    one just after midnight the next day; 3 users; 2 escalations; 1 failed webhook delivery."""
    ada, bob, cy = (EndUserFactory(workspace=workspace) for _ in range(3))
    # the day before and the day after: never counted
    conversation(workspace, user=ada, started=at(tz, 2026, 3, 9, 23, 59),
                 turns=[("Yesterday?", 0.9)])
    conversation(workspace, user=ada, started=at(tz, 2026, 3, 11, 0, 0),
                 turns=[("Tomorrow?", 0.9)])
    conversation(workspace, user=ada, started=at(tz, 2026, 3, 10, 14, 0),
                 turns=[("How long is shipping?", 0.9), ("Thanks!", 0.8)], ended_after=120)
    conversation(workspace, user=bob, started=at(tz, 2026, 3, 10, 14, 30),
                 turns=[("how long is SHIPPING", 0.7)], ended_after=600)
    conversation(workspace, user=cy, started=at(tz, 2026, 3, 10, 14, 45),
                 turns=[("  How long is shipping. ", 0.6), ("Can I pay with crypto?", 0.2)],
                 ended_after=300, escalate="low_confidence")
    conversation(workspace, user=bob, started=at(tz, 2026, 3, 10, 9, 15),
                 turns=[("I want a human", 0.4)], escalate="user_requested")
    webhook = WebhookFactory(workspace=workspace, url="http://127.0.0.1:9/hook", active=False)
    with time_machine.travel(at(tz, 2026, 3, 10, 12), tick=False):
        event = event_publish(workspace=workspace, type="user.started", data={"userId": "x"})
        Delivery.objects.create(workspace=workspace, event=event, destination_kind="webhook",
                                destination_id=webhook.pk, status="failed",
                                created_at=at(tz, 2026, 3, 10, 12))

"""Chatting: conversations start, messages get answers, the bot escalates, conversations end,
and every such moment is an event written in the same transaction."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from conversations.errors import ConversationEnded, InvalidMessage, InvalidUser
from conversations.models import Conversation, EndUser, Message
from conversations.services import (
    HANDOFF_LOW_CONFIDENCE,
    HANDOFF_USER_REQUESTED,
    chat_send,
    conversation_end,
    demo_knowledge_base_load,
    message_post,
    session_start,
    unscoped_conversations_end_idle,
    wants_person,
)
from metachat.events.models import Event

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def payloads(type_: str) -> list[dict]:
    return [e.payload for e in Event.objects.filter(type=type_).order_by("created_at", "pk")]


@pytest.fixture
def shop(workspace):
    demo_knowledge_base_load(workspace=workspace)
    return workspace


def test_a_first_message_starts_a_conversation_and_gets_the_answer(shop):
    reply = chat_send(workspace=shop, text="How long is shipping?", user_id="cust-42")

    conversation = reply.conversation
    assert conversation.public_id.startswith("conv_")
    assert conversation.status == Conversation.Status.OPEN
    assert reply.reply.text.startswith("Shipping takes 3–5 business days")
    assert reply.reply.confidence >= 0.9 and not reply.escalated
    assert reply.reply.sources[0]["title"] == "Shipping FAQ"
    assert [(m.role, m.text[:8]) for m in conversation.messages.all()] == [
        ("user", "How long"), ("bot", "Shipping"),
    ]
    assert payloads("conversation.created") == [
        {"id": payloads("conversation.created")[0]["id"], "event": "conversation.created",
         "timestamp": payloads("conversation.created")[0]["timestamp"],
         "data": {"conversationId": conversation.public_id, "userId": "cust-42"}},
    ]
    (sent,) = payloads("message.sent")
    assert sent["data"] == {
        "conversationId": conversation.public_id,
        "userId": "cust-42",
        "message": "How long is shipping?",
        "response": reply.reply.text,
        "confidence": reply.reply.confidence,
    }
    assert not Event.objects.filter(type="escalation.triggered").exists()


def test_without_a_user_id_the_user_gets_a_generated_one(shop):
    reply = chat_send(workspace=shop, text="How long is shipping?")

    assert reply.conversation.end_user.user_id.startswith("user_")
    assert payloads("conversation.created")[0]["data"]["userId"] == (
        reply.conversation.end_user.user_id
    )


def test_a_follow_up_goes_into_the_same_conversation(shop):
    first = chat_send(workspace=shop, text="How long is shipping?", user_id="cust-1")

    second = chat_send(workspace=shop, text="What is your return policy?",
                       conversation=first.conversation)

    assert second.conversation == first.conversation
    assert first.conversation.messages.count() == 4
    assert len(payloads("conversation.created")) == 1
    assert len(payloads("message.sent")) == 2


def test_an_unanswerable_question_escalates_once_and_the_bot_says_a_person_will_follow_up(shop):
    reply = chat_send(workspace=shop, text="Do you sell car insurance?", user_id="cust-7")

    conversation = Conversation.objects.get(pk=reply.conversation.pk)
    assert reply.escalated and reply.reply.text == HANDOFF_LOW_CONFIDENCE
    assert "person will follow up" in reply.reply.text
    assert conversation.status == Conversation.Status.ESCALATED
    assert conversation.escalation_reason == "low_confidence"
    (escalation,) = payloads("escalation.triggered")
    assert escalation["data"] == {
        "conversationId": conversation.public_id, "userId": "cust-7",
        "reason": "low_confidence", "confidence": reply.reply.confidence,
        "message": "Do you sell car insurance?",
    }
    assert escalation["data"]["confidence"] < 0.5

    again = chat_send(workspace=shop, text="What about pet insurance?", conversation=conversation)

    assert again.escalated and "person" in again.reply.text
    assert len(payloads("escalation.triggered")) == 1  # one hand-over per conversation
    assert len(payloads("message.sent")) == 2


def test_asking_for_a_person_escalates_even_when_the_bot_could_answer(shop):
    reply = chat_send(workspace=shop, text="Can I talk to a human about shipping?")

    assert reply.escalated and reply.reply.text == HANDOFF_USER_REQUESTED
    assert payloads("escalation.triggered")[0]["data"]["reason"] == "user_requested"
    assert reply.conversation.status == Conversation.Status.ESCALATED


def test_the_threshold_is_the_workspaces(shop):
    shop.escalation_threshold = 0.0
    shop.save()

    reply = chat_send(workspace=shop, text="Is delivery free?")

    assert not reply.escalated  # would be answered at any threshold ≤ its confidence
    shop.escalation_threshold = 1.0
    shop.save()
    strict = chat_send(workspace=shop, text="I want to change my address")
    assert strict.reply.confidence < 1.0 and strict.escalated


def test_a_message_to_an_ended_conversation_is_refused_and_writes_nothing(shop):
    conversation = chat_send(workspace=shop, text="How long is shipping?").conversation
    conversation_end(conversation=conversation)
    events_before = Event.objects.count()

    with pytest.raises(ConversationEnded):
        message_post(conversation=conversation, text="Hello again?")

    assert conversation.messages.count() == 2
    assert Event.objects.count() == events_before


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001, None])
def test_empty_or_over_long_messages_are_refused(shop, text):
    with pytest.raises(InvalidMessage):
        chat_send(workspace=shop, text=text)

    assert not Conversation.objects.exists() and not Event.objects.exists()


def test_a_bad_user_email_starts_nothing(shop):
    with pytest.raises(InvalidUser):
        chat_send(workspace=shop, text="How long is shipping?", user_info={"email": "nope"})

    assert not Conversation.objects.exists() and not EndUser.objects.exists()
    assert not Event.objects.exists()


def test_events_roll_back_with_the_transaction_that_wrote_them(shop):
    with pytest.raises(RuntimeError), transaction.atomic():
        chat_send(workspace=shop, text="How long is shipping?")
        assert Event.objects.count() == 2
        raise RuntimeError("the request failed after the service ran")

    assert not Event.objects.exists()
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_ending_publishes_duration_message_count_and_reason_once(shop):
    with time_machine.travel(START, tick=False):
        conversation = chat_send(workspace=shop, text="How long is shipping?",
                                 user_id="cust-9").conversation
    with time_machine.travel(START + timedelta(minutes=2, seconds=5), tick=False):
        conversation_end(conversation=conversation)
        conversation_end(conversation=conversation)

    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ENDED
    assert conversation.end_reason == "ended_by_user"
    (ended,) = payloads("conversation.ended")
    assert ended["data"] == {
        "conversationId": conversation.public_id, "userId": "cust-9",
        "duration": 125, "messageCount": 2, "reason": "ended_by_user",
    }


def test_idle_conversations_end_after_the_workspaces_timeout(shop):
    with time_machine.travel(START, tick=False):
        idle = chat_send(workspace=shop, text="How long is shipping?").conversation
        busy = chat_send(workspace=shop, text="How long is shipping?").conversation
    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        chat_send(workspace=shop, text="What does shipping cost?", conversation=busy)

    with time_machine.travel(START + timedelta(minutes=29, seconds=59), tick=False):
        assert unscoped_conversations_end_idle() == 0
    with time_machine.travel(START + timedelta(minutes=31), tick=False):
        assert unscoped_conversations_end_idle() == 1
        assert unscoped_conversations_end_idle() == 0

    idle.refresh_from_db()
    busy.refresh_from_db()
    assert idle.status == Conversation.Status.ENDED and idle.end_reason == "idle_timeout"
    assert idle.ended_at == START  # it ended with its last message
    assert busy.status == Conversation.Status.OPEN
    (ended,) = payloads("conversation.ended")
    assert ended["data"]["reason"] == "idle_timeout"
    assert ended["data"]["conversationId"] == idle.public_id
    assert ended["data"]["duration"] == 0 and ended["data"]["messageCount"] == 2


def test_each_workspace_has_its_own_idle_timeout(shop, other_workspace):
    other_workspace.idle_timeout_minutes = 5
    other_workspace.save()
    with time_machine.travel(START, tick=False):
        long_lived = chat_send(workspace=shop, text="How long is shipping?").conversation
        short_lived = chat_send(workspace=other_workspace, text="Hello there").conversation

    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        assert unscoped_conversations_end_idle() == 1

    assert Conversation.objects.get(pk=short_lived.pk).status == Conversation.Status.ENDED
    assert Conversation.objects.get(pk=long_lived.pk).status != Conversation.Status.ENDED


def test_a_session_remembers_the_user_and_publishes_user_started(workspace):
    with time_machine.travel(START, tick=False):
        end_user = session_start(
            workspace=workspace, user_id="cust-5",
            user_info={"name": "Ada", "email": "ada@example.com", "plan": "pro"},
            page="https://shop.example.com/checkout",
        )
    session_start(workspace=workspace, user_id="cust-5", user_info={"name": "Ada L."})

    end_user.refresh_from_db()
    assert EndUser.objects.filter(workspace=workspace).count() == 1
    assert (end_user.name, end_user.email, end_user.metadata) == (
        "Ada L.", "ada@example.com", {"plan": "pro"},
    )
    assert end_user.first_seen_at == START and end_user.last_seen_at > START
    assert end_user.last_page == "https://shop.example.com/checkout"
    first, second = payloads("user.started")
    assert first["data"] == {
        "userId": "cust-5",
        "user": {"name": "Ada", "email": "ada@example.com", "plan": "pro"},
        "timestamp": "2026-03-02T09:00:00.000Z",
    }
    assert second["data"]["user"]["name"] == "Ada L."


def test_the_same_user_id_in_two_workspaces_is_two_people(workspace, other_workspace):
    session_start(workspace=workspace, user_id="cust-1", user_info={"name": "A"})
    session_start(workspace=other_workspace, user_id="cust-1", user_info={"name": "B"})

    assert sorted(EndUser.objects.values_list("name", flat=True)) == ["A", "B"]


def test_another_engine_plugs_in_by_setting_and_gets_the_history(workspace, settings):
    settings.ANSWER_ENGINE = "tests.conversations.echo_engine.EchoEngine"

    first = chat_send(workspace=workspace, text="Hello")
    second = chat_send(workspace=workspace, text="Again", conversation=first.conversation)

    assert first.reply.text == "You said: Hello (0 earlier)"
    assert second.reply.text == "You said: Again (2 earlier)"
    assert second.reply.confidence == 0.75 and not second.escalated


@pytest.mark.parametrize("text", [
    "Can I talk to a human?", "I want to speak with someone", "connect me with an agent",
    "Real person please", "human", "Agent!", "Can I speak to customer service?",
    "Please transfer me to a representative",
])
def test_asking_for_a_person_is_recognised(text):
    assert wants_person(text)


@pytest.mark.parametrize("text", [
    "Can a person return two items?", "Is this safe for human consumption?",
    "Is there a limit per person?", "Can someone else pick up my parcel?",
    "Can I talk about returns?",
])
def test_mentioning_people_is_not_asking_for_one(text):
    assert not wants_person(text)

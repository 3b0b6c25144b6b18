"""The chat, sessions, conversations and documents API, as a developer calls it."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from conversations.models import Conversation, Document, Message
from conversations.services import chat_send, demo_knowledge_base_load, document_create
from metachat.events.models import Event
from tests.conversations.pdfs import pdf_with_lines
from tests.factories import ConversationFactory, EndUserFactory

DAY = datetime(2025, 1, 15, 10, 30, tzinfo=UTC)


@pytest.fixture
def shop(workspace):
    demo_knowledge_base_load(workspace=workspace)
    return workspace


def error_of(response) -> dict:
    return response.json()["error"]


# --- POST /v1/chat ---------------------------------------------------------------------------
def test_the_guides_request_gets_the_answer_in_data_message(api_client, shop):
    response = api_client.post("/v1/chat", {
        "tenantId": shop.public_id, "message": "How long is shipping?",
    }, format="json")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["message"].startswith("Shipping takes 3–5 business days")
    assert data["conversationId"].startswith("conv_")
    assert data["messageId"].startswith("msg_")
    assert data["confidence"] >= 0.9 and data["escalated"] is False
    assert data["sources"][0]["title"] == "Shipping FAQ"
    assert data["sources"][0]["documentId"].startswith("doc_")
    assert Message.objects.get(public_id=data["messageId"]).role == "bot"


def test_a_conversation_id_continues_the_conversation(api_client, shop):
    first = api_client.post("/v1/chat", {"message": "How long is shipping?", "userId": "cust-1"},
                            format="json").json()["data"]

    second = api_client.post("/v1/chat", {
        "tenantId": shop.public_id, "message": "What is your return policy?",
        "conversationId": first["conversationId"],
    }, format="json")

    assert second.status_code == 200
    assert second.json()["data"]["conversationId"] == first["conversationId"]
    assert "30 days" in second.json()["data"]["message"]
    conversation = Conversation.objects.get(public_id=first["conversationId"])
    assert conversation.messages.count() == 4 and conversation.end_user.user_id == "cust-1"


def test_an_unrelated_question_escalates_and_says_a_person_will_follow_up(api_client, shop):
    response = api_client.post("/v1/chat", {"message": "Do you sell car insurance?"},
                               format="json")

    data = response.json()["data"]
    assert data["escalated"] is True and data["confidence"] < 0.5
    assert "person will follow up" in data["message"] and data["sources"] == []
    assert Event.objects.filter(type="escalation.triggered").count() == 1


@pytest.mark.parametrize("body, field", [
    ({"message": ""}, "message"),
    ({"message": "   "}, "message"),
    ({"message": "x" * 4001}, "message"),
    ({}, "message"),
    ({"message": None}, "message"),
    ({"message": "Hi", "user": "Ada"}, "user"),
    ({"message": "Hi", "user": {"email": "not-an-email"}}, "user"),
    ({"message": "Hi", "userId": "has spaces in it"}, "userId"),
])
def test_bad_chat_requests_are_400_and_change_nothing(api_client, shop, body, field):
    response = api_client.post("/v1/chat", body, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Conversation.objects.exists() and not Event.objects.exists()


def test_a_conversation_id_the_workspace_has_not_seen_starts_that_conversation(api_client,
                                                                              shop):
    first = api_client.post("/v1/chat", {"message": "How long is shipping?",
                                         "conversationId": "conv_xyz789"}, format="json")
    second = api_client.post("/v1/chat", {"message": "What is your return policy?",
                                          "conversationId": "conv_xyz789"}, format="json")

    assert first.status_code == 200 and second.status_code == 200
    assert first.json()["data"]["conversationId"] == "conv_xyz789"
    assert second.json()["data"]["conversationId"] == "conv_xyz789"
    conversation = Conversation.objects.get(workspace=shop, public_id="conv_xyz789")
    assert conversation.messages.count() == 4
    created = Event.objects.filter(type="conversation.created")
    assert [event.payload["data"]["conversationId"] for event in created] == ["conv_xyz789"]
    assert api_client.get("/v1/conversations/conv_xyz789").json()["data"]["id"] == "conv_xyz789"


@pytest.mark.parametrize("conversation_id", [
    "-starts-with-a-dash", "has space", "conv/slash", "x" * 65, "conv_\u00e9t\u00e9", "a\x00b",
])
def test_a_conversation_id_of_the_wrong_form_is_refused(api_client, shop, conversation_id):
    response = api_client.post("/v1/chat", {"message": "Hi", "conversationId": conversation_id},
                               format="json")

    assert response.status_code == 400
    assert "conversationId" in error_of(response)["fields"]
    assert not Conversation.objects.exists() and not Message.objects.exists()
    assert not Event.objects.exists()


def test_an_ended_conversation_is_409(api_client, shop):
    reply = chat_send(workspace=shop, text="How long is shipping?")
    api_client.post(f"/v1/conversations/{reply.conversation.public_id}/end")

    response = api_client.post("/v1/chat", {
        "message": "Hello?", "conversationId": reply.conversation.public_id,
    }, format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "conversation_ended"
    assert reply.conversation.messages.count() == 2


def test_chat_needs_the_chat_write_scope(make_api_client, shop):
    client = make_api_client(shop, scopes=["conversations:read"])

    response = client.post("/v1/chat", {"message": "How long is shipping?"}, format="json")

    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"
    assert "chat:write" in error_of(response)["message"]


def test_chat_without_a_key_is_401(client, shop):
    response = client.post("/v1/chat", {"message": "Hi"}, content_type="application/json")

    assert response.status_code == 401
    assert not Conversation.objects.exists()


# --- POST /v1/sessions ---------------------------------------------------------------------
def test_opening_the_chat_records_the_user_and_publishes_user_started(api_client, workspace):
    response = api_client.post("/v1/sessions", {
        "userId": "cust-5", "user": {"name": "Ada", "email": "ada@example.com", "plan": "pro"},
        "page": "https://shop.example.com/",
    }, format="json")

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["userId"] == "cust-5"
    assert data["user"] == {"name": "Ada", "email": "ada@example.com", "plan": "pro"}
    event = Event.objects.get(type="user.started")
    assert event.payload["data"]["userId"] == "cust-5"
    assert event.payload["data"]["user"]["plan"] == "pro"


def test_a_session_without_a_user_id_gets_one(api_client, workspace):
    response = api_client.post("/v1/sessions", {}, format="json")

    assert response.status_code == 201
    assert response.json()["data"]["userId"].startswith("user_")


# --- /v1/conversations ---------------------------------------------------------------------
def _conversation_at(workspace, moment, **fields):
    with time_machine.travel(moment, tick=False):
        return ConversationFactory(workspace=workspace, started_at=moment,
                                   last_activity_at=moment, **fields)


def test_conversations_are_listed_newest_first_with_limit_and_offset(api_client, workspace):
    made = [_conversation_at(workspace, DAY + timedelta(minutes=n)) for n in range(3)]

    response = api_client.get("/v1/conversations", {"limit": 2, "offset": 0})

    body = response.json()
    assert response.status_code == 200
    assert [c["id"] for c in body["data"]] == [made[2].public_id, made[1].public_id]
    assert body["pagination"] == {"limit": 2, "offset": 0, "total": 3}
    assert set(body["data"][0]) >= {"id", "userId", "status", "startedAt", "messageCount"}


def test_conversations_from_yesterday(api_client, workspace):
    _conversation_at(workspace, DAY - timedelta(days=2))
    yesterday = _conversation_at(workspace, DAY - timedelta(days=1))
    _conversation_at(workspace, DAY)

    response = api_client.get("/v1/conversations", {"since": "2025-01-14", "until": "2025-01-15"})

    assert [c["id"] for c in response.json()["data"]] == [yesterday.public_id]


def test_conversations_filtered_by_time_status_and_user(api_client, workspace):
    ada = EndUserFactory(workspace=workspace, user_id="ada")
    early = _conversation_at(workspace, DAY, end_user=ada)
    late = _conversation_at(workspace, DAY + timedelta(hours=2), status="escalated")

    def ids(**query):
        return [c["id"] for c in api_client.get("/v1/conversations", query).json()["data"]]

    assert ids(since="2025-01-15T11:00:00Z") == [late.public_id]
    assert ids(until="2025-01-15T11:00:00+00:00") == [early.public_id]
    assert ids(status="escalated") == [late.public_id]
    assert ids(userId="ada") == [early.public_id]
    assert ids(userId="nobody") == []


@pytest.mark.parametrize("query, field", [
    ({"since": "yesterday"}, "since"),
    ({"until": "2025-13-45"}, "until"),
    ({"status": "archived"}, "status"),
    ({"since": "2025-01-15", "until": "2025-01-14"}, "until"),
    ({"limit": "0"}, "limit"),
])
def test_bad_conversation_filters_are_400(api_client, workspace, query, field):
    response = api_client.get("/v1/conversations", query)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_a_conversation_comes_with_its_messages(api_client, shop):
    reply = chat_send(workspace=shop, text="How long is shipping?", user_id="cust-2")

    response = api_client.get(f"/v1/conversations/{reply.conversation.public_id}")

    data = response.json()["data"]
    assert response.status_code == 200
    assert data["userId"] == "cust-2" and data["messageCount"] == 2
    assert [(m["role"], m["text"][:8]) for m in data["messages"]] == [
        ("user", "How long"), ("bot", "Shipping"),
    ]
    assert data["messages"][1]["confidence"] >= 0.9
    assert data["messages"][1]["sources"][0]["title"] == "Shipping FAQ"


def test_ending_a_conversation(api_client, shop):
    reply = chat_send(workspace=shop, text="How long is shipping?")
    url = f"/v1/conversations/{reply.conversation.public_id}/end"

    first = api_client.post(url)
    second = api_client.post(url)

    assert first.status_code == second.status_code == 200
    data = first.json()["data"]
    assert data["status"] == "ended" and data["endReason"] == "ended_by_user"
    assert data["duration"] is not None and data["endedAt"]
    assert Event.objects.filter(type="conversation.ended").count() == 1


def test_reading_conversations_does_not_allow_ending_them(make_api_client, shop):
    reply = chat_send(workspace=shop, text="How long is shipping?")
    reader = make_api_client(shop, scopes=["conversations:read"])

    assert reader.get("/v1/conversations").status_code == 200
    response = reader.post(f"/v1/conversations/{reply.conversation.public_id}/end")

    assert response.status_code == 403 and "conversations:write" in error_of(response)["message"]
    assert Conversation.objects.get(pk=reply.conversation.pk).status != "ended"
    assert not Event.objects.filter(type="conversation.ended").exists()


def test_an_unknown_conversation_id_is_404(api_client, workspace):
    assert api_client.get("/v1/conversations/conv_missing").status_code == 404
    assert api_client.post("/v1/conversations/conv_missing/end").status_code == 404


# --- /v1/documents ---------------------------------------------------------------------------
def test_a_json_document_is_added_listed_read_and_deleted(api_client, workspace):
    created = api_client.post("/v1/documents", {
        "title": "Extras", "sourceType": "markdown",
        "content": "## Do you offer gift wrapping?\nYes, gift wrapping costs $3.",
    }, format="json")

    assert created.status_code == 201
    document = created.json()["data"]
    assert document["id"].startswith("doc_") and document["passageCount"] == 1
    assert document["sourceType"] == "markdown" and "content" not in document

    listed = api_client.get("/v1/documents").json()
    assert [d["id"] for d in listed["data"]] == [document["id"]]
    assert listed["pagination"]["total"] == 1
    read = api_client.get(f"/v1/documents/{document['id']}").json()["data"]
    assert read["content"].startswith("## Do you offer gift wrapping?")
    answer = api_client.post("/v1/chat", {"message": "Do you do gift wrapping?"},
                             format="json").json()["data"]
    assert answer["message"] == "Yes, gift wrapping costs $3."

    assert api_client.delete(f"/v1/documents/{document['id']}").status_code == 204
    assert api_client.get(f"/v1/documents/{document['id']}").status_code == 404
    after = api_client.post("/v1/chat", {"message": "Do you do gift wrapping?"},
                            format="json").json()["data"]
    assert after["escalated"] is True


def test_a_pdf_is_uploaded_as_multipart(api_client, workspace):
    pdf = pdf_with_lines(["Warranty", "", "Every product carries a two-year warranty."])

    response = api_client.post("/v1/documents", {
        "file": _upload("warranty.pdf", pdf),
    }, format="multipart")

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert (data["title"], data["sourceType"], data["size"]) == ("warranty", "pdf", len(pdf))
    assert data["filename"] == "warranty.pdf" and data["passageCount"] >= 1


def test_a_text_file_upload_takes_its_type_from_the_name(api_client, workspace):
    response = api_client.post("/v1/documents", {
        "file": _upload("faq.md", b"# Hours\n\nWe are open every day."), "title": "Hours",
    }, format="multipart")

    assert response.status_code == 201
    assert response.json()["data"]["sourceType"] == "markdown"


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize("data", [b"%PDF-1.4 not really", b"\x89PNG\r\n\x1a\n"])
def test_an_unreadable_pdf_is_400(api_client, workspace, data):
    response = api_client.post("/v1/documents", {"file": _upload("broken.pdf", data)},
                               format="multipart")

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_document"
    assert "not a readable PDF" in error_of(response)["message"]
    assert "file" in error_of(response)["fields"]
    assert not Document.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"title": "Empty", "content": ""}, "content"),
    ({"title": "Nothing"}, "content"),
    ({"title": "PDF", "content": "text", "sourceType": "pdf"}, "sourceType"),
    ({"title": "Doc", "content": "text", "sourceType": "docx"}, "sourceType"),
    ({"title": "x" * 201, "content": "text"}, "title"),
])
def test_bad_documents_are_400(api_client, workspace, body, field):
    response = api_client.post("/v1/documents", body, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Document.objects.exists()


def test_a_binary_text_upload_is_400(api_client, workspace):
    response = api_client.post("/v1/documents", {"file": _upload("notes.txt", b"\xff\xfe\x00")},
                               format="multipart")

    assert response.status_code == 400 and "UTF-8" in error_of(response)["message"]


def test_too_large_documents_are_413(api_client, workspace, settings):
    settings.DOCUMENT_MAX_BYTES = 1000

    written = api_client.post("/v1/documents", {"title": "Big", "content": "a" * 1001},
                              format="json")
    huge_upload = api_client.post(
        "/v1/documents", {"file": _upload("big.txt", b"a" * 200_000)}, format="multipart",
    )
    just_over = api_client.post(
        "/v1/documents", {"file": _upload("big.txt", b"a" * 1001)}, format="multipart",
    )

    for response in (written, huge_upload, just_over):
        assert response.status_code == 413
        assert error_of(response)["code"] == "document_too_large"
        assert "1,000" in error_of(response)["message"]
    assert not Document.objects.exists()


def test_reading_documents_does_not_allow_writing_them(make_api_client, workspace):
    document = document_create(workspace=workspace, title="Hours", source_type="text",
                               content="We are open every day.")
    reader = make_api_client(workspace, scopes=["documents:read"])

    assert reader.get("/v1/documents").status_code == 200
    assert reader.post("/v1/documents", {"title": "T", "content": "x"},
                       format="json").status_code == 403
    assert reader.delete(f"/v1/documents/{document.public_id}").status_code == 403
    assert Document.objects.count() == 1


def test_naming_another_workspace_in_the_chat_body_is_refused(api_client, shop, other_workspace):
    response = api_client.post("/v1/chat", {
        "tenantId": other_workspace.public_id, "message": "How long is shipping?",
    }, format="json")

    assert response.status_code == 403 and error_of(response)["code"] == "tenant_mismatch"
    assert not Conversation.objects.exists()


def test_the_api_docs_list_the_chat_endpoints(client):
    schema = client.get("/v1/schema/", HTTP_ACCEPT="application/json").json()

    for path in ("/v1/chat", "/v1/sessions", "/v1/conversations", "/v1/conversations/{id}",
                 "/v1/conversations/{id}/end", "/v1/documents", "/v1/documents/{id}"):
        assert path in schema["paths"], path
    chat = schema["paths"]["/v1/chat"]["post"]
    request = chat["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert set(schema["components"]["schemas"][request.split("/")[-1]]["properties"]) >= {
        "tenantId", "message", "conversationId",
    }


def test_the_widget_flow_session_then_chat_is_one_user(api_client, shop):
    user_id = api_client.post("/v1/sessions", {"user": {"name": "Ada"}},
                              format="json").json()["data"]["userId"]

    reply = api_client.post("/v1/chat", {"message": "How long is shipping?", "userId": user_id},
                            format="json").json()["data"]

    conversation = Conversation.objects.get(public_id=reply["conversationId"])
    assert conversation.end_user.user_id == user_id and conversation.end_user.name == "Ada"
    created = Event.objects.get(type="conversation.created").payload["data"]
    assert created == {"conversationId": reply["conversationId"], "userId": user_id}


def test_another_users_id_on_a_conversation_is_400(api_client, shop):
    first = api_client.post("/v1/chat", {"message": "How long is shipping?", "userId": "ada"},
                            format="json").json()["data"]

    response = api_client.post("/v1/chat", {
        "message": "And returns?", "userId": "bob", "conversationId": first["conversationId"],
    }, format="json")

    assert response.status_code == 400 and "userId" in error_of(response)["fields"]
    assert Message.objects.count() == 2

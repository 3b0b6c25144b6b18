"""Input no client should send still gets a clear 4xx, never a 500 (PostgreSQL refuses NUL
characters; Python refuses unbounded nesting)."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.models import Conversation, Document, EndUser


@pytest.mark.parametrize("url", [
    "/v1/documents/doc_%00x", "/v1/conversations/conv_%00x", "/v1/conversations/conv_%00/end",
])
def test_a_nul_in_an_id_is_not_found(api_client, workspace, url):
    response = api_client.get(url) if not url.endswith("end") else api_client.post(url)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("url, body, field", [
    ("/v1/chat", {"message": "hi", "user": {"name": "A\u0000"}}, "user"),
    ("/v1/chat", {"message": "hi\u0000"}, "message"),
    ("/v1/chat", {"message": "hi", "conversationId": "conv_\u0000"}, "conversationId"),
    ("/v1/sessions", {"user": {"note\u0000": "x"}}, "user"),
    ("/v1/sessions", {"page": "https://x\u0000"}, "page"),
])
def test_a_nul_in_a_body_is_a_400_naming_the_field(api_client, workspace, url, body, field):
    response = api_client.post(url, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not EndUser.objects.exists() and not Conversation.objects.exists()


def test_a_nul_in_a_query_filter_is_a_400(api_client, workspace):
    response = api_client.get("/v1/conversations", {"userId": "a\x00b"})

    assert response.status_code == 400 and "userId" in response.json()["error"]["fields"]


def test_nul_characters_in_an_uploaded_text_are_dropped(api_client, workspace):
    response = api_client.post(
        "/v1/documents", {"file": SimpleUploadedFile("notes.txt", b"Open every\x00 day.")},
        format="multipart",
    )

    assert response.status_code == 201
    assert Document.objects.get().content == "Open every day."


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"message": "hi", "user": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}",
])
def test_json_nested_beyond_reason_is_a_400(api_client, workspace, body):
    response = api_client.post("/v1/chat", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_user_details_nested_more_than_five_levels_are_refused(api_client, workspace):
    deep = {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}

    response = api_client.post("/v1/sessions", {"user": deep}, format="json")

    assert response.status_code == 400 and "levels deep" in str(response.json())
    assert not EndUser.objects.exists()


@pytest.mark.parametrize("url", ["/v1/chat", "/v1/sessions"])
def test_an_email_longer_than_254_characters_is_a_400(api_client, workspace, url):
    response = api_client.post(
        url, {"message": "hi", "user": {"email": "a" * 300 + "@example.com"}}, format="json"
    )

    assert response.status_code == 400
    assert "user" in response.json()["error"]["fields"]
    assert not EndUser.objects.exists()


@pytest.mark.parametrize("query", [
    {"since": "9999-12-31T23:00:00-05:00"},
    {"until": "0001-01-01T00:00:00+05:00"},
])
def test_dates_at_the_edge_of_the_calendar_are_a_400(api_client, workspace, query):
    response = api_client.get("/v1/conversations", query)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == list(query)

"""Bodies no database can store, or too big to hold, are clear 4xx errors and change nothing."""
import pytest
from django.test import override_settings

from conversations.models import Conversation, Document, EndUser
from integrations.models import Webhook
from metachat.events.models import Event

SURROGATE_BODIES = [
    ("/v1/sessions", '{"user": {"x\\ud800": 1}}', "user"),
    ("/v1/sessions", '{"userId": "abc", "user": {"name": "\\ud800"}}', "user"),
    ("/v1/chat", '{"message": "hi \\udfff"}', "message"),
    ("/v1/webhooks",
     '{"name": "w", "url": "http://127.0.0.1:9/h", "events": ["*"],'
     ' "filters": [{"field": "a", "op": "eq", "value": "\\ud800"}]}', "filters"),
    ("/v1/webhooks",
     '{"name": "w", "url": "http://127.0.0.1:9/h", "events": ["*"],'
     ' "filters": [{"field": "a", "op": "eq", "value": "\\u0000"}]}', "filters"),
]


@pytest.mark.parametrize("url, body, field", SURROGATE_BODIES)
def test_unpaired_surrogates_and_nul_are_a_400_naming_the_field(api_client, url, body, field):
    response = api_client.post(url, body, content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]
    assert not EndUser.objects.exists()
    assert not Webhook.objects.exists()
    assert not Event.objects.exists()
    # and the lists that would have shown the bad row still answer
    assert api_client.get("/v1/events").status_code == 200
    assert api_client.get("/v1/webhooks").status_code == 200


def test_a_nul_in_a_form_body_is_a_400(api_client):
    response = api_client.post(
        "/v1/chat", "message=hi%00there", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["message"]
    assert not Conversation.objects.exists()


def test_a_document_of_three_megabytes_sent_as_json_is_accepted(api_client):
    # Django holds at most 2.5 MB of body by default; documents may be 5 MiB.
    content = ("Shipping takes three to five business days. " * 70_000)[:3_000_000]

    response = api_client.post("/v1/documents", {"title": "Big", "content": content})

    assert response.status_code == 201
    assert Document.objects.get().size >= 3_000_000


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100_000)
def test_a_body_over_the_memory_limit_is_a_413(api_client):
    form = api_client.post(
        "/v1/chat", "message=" + "a" * 200_000, content_type="application/x-www-form-urlencoded"
    )
    json_body = api_client.post("/v1/chat", {"message": "a" * 200_000})

    for response in (form, json_body):
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "request_too_large"
    assert not Conversation.objects.exists()


def test_too_many_form_fields_is_a_400(api_client):
    body = "&".join(f"f{n}=x" for n in range(1200)) + "&message=hi"

    response = api_client.post("/v1/chat", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
    assert not Conversation.objects.exists()

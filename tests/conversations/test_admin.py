"""Operators manage documents and read conversations and end users in the admin, only for
their workspaces; every save goes through the services, so the chatbot answers from it."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conversations.engine import get_engine
from conversations.models import Document, KnowledgeBase
from conversations.services import chat_send, document_create
from tests.conversations.pdfs import pdf_with_lines
from tests.factories import ConversationFactory, EndUserFactory


@pytest.fixture
def client_a(client, operator):
    client.force_login(operator)
    return client


def url(name, *args):
    return reverse(f"admin:conversations_{name}", args=args)


def test_an_operator_adds_a_markdown_document_and_the_bot_answers_from_it(client_a, workspace):
    form = client_a.get(url("document_add"))
    assert form.status_code == 200 and b'name="upload"' in form.content

    response = client_a.post(url("document_add"), {
        "workspace": workspace.pk, "title": "Extras", "source_type": "markdown",
        "content": "## Do you offer gift wrapping?\nYes, gift wrapping costs $3.",
        "passages-TOTAL_FORMS": 0, "passages-INITIAL_FORMS": 0,
    })

    assert response.status_code == 302, response.context["adminform"].form.errors
    document = Document.objects.get(workspace=workspace)
    assert document.passages.get().question == "Do you offer gift wrapping?"
    answer = get_engine().answer(workspace=workspace, question="Is there gift wrapping?",
                                 history=[])
    assert answer.text == "Yes, gift wrapping costs $3."
    listed = client_a.get(url("document_changelist"))
    assert b"Extras" in listed.content
    page = client_a.get(url("document_change", document.pk))
    assert page.status_code == 200 and b"Do you offer gift wrapping?" in page.content


def test_an_operator_uploads_a_pdf(client_a, workspace):
    pdf = pdf_with_lines(["Warranty", "", "Every product carries a two-year warranty."])

    response = client_a.post(url("document_add"), {
        "workspace": workspace.pk, "title": "", "source_type": "text", "content": "",
        "upload": SimpleUploadedFile("warranty.pdf", pdf, content_type="application/pdf"),
        "passages-TOTAL_FORMS": 0, "passages-INITIAL_FORMS": 0,
    })

    assert response.status_code == 302
    document = Document.objects.get(workspace=workspace)
    assert (document.title, document.source_type, document.size) == ("warranty", "pdf", len(pdf))
    assert "two-year warranty" in document.content


def test_an_unreadable_upload_is_shown_as_a_form_error(client_a, workspace):
    response = client_a.post(url("document_add"), {
        "workspace": workspace.pk, "title": "Scan", "source_type": "text", "content": "",
        "upload": SimpleUploadedFile("scan.pdf", b"%PDF-1.7 broken",
                                     content_type="application/pdf"),
        "passages-TOTAL_FORMS": 0, "passages-INITIAL_FORMS": 0,
    })

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["upload"] == [
        "The file is not a readable PDF."
    ]
    assert not Document.objects.exists()


def test_editing_and_deleting_a_document_change_what_the_bot_knows(client_a, workspace):
    document = document_create(workspace=workspace, title="Hours", source_type="text",
                               content="We are open Monday to Friday.")

    response = client_a.post(url("document_change", document.pk), {
        "title": "Hours", "source_type": "text", "content": "We are open every day of the week.",
        "passages-TOTAL_FORMS": 1, "passages-INITIAL_FORMS": 1,
        "passages-0-id": document.passages.get().pk, "passages-0-document": document.pk,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert get_engine().answer(workspace=workspace, question="Are you open every day?",
                               history=[]).text == "We are open every day of the week."

    response = client_a.post(url("document_delete", document.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert KnowledgeBase.objects.get(workspace=workspace).version == 3


def test_another_workspaces_documents_and_conversations_are_not_found(client_a, other_workspace):
    document = document_create(workspace=other_workspace, title="Secret", source_type="text",
                               content="Internal only.")
    conversation = ConversationFactory(workspace=other_workspace)

    assert client_a.get(url("document_change", document.pk)).status_code == 404
    assert client_a.get(url("conversation_change", conversation.pk)).status_code == 404
    assert client_a.get(url("enduser_change", conversation.end_user.pk)).status_code == 404
    assert b"Secret" not in client_a.get(url("document_changelist")).content
    listed = client_a.get(url("conversation_changelist"))
    assert conversation.public_id.encode() not in listed.content


def test_a_conversation_shows_its_messages_read_only(client_a, workspace):
    document_create(workspace=workspace, title="Shipping", source_type="markdown",
                    content="## How long is shipping?\nShipping takes 3–5 business days.")
    reply = chat_send(workspace=workspace, text="How long is shipping?", user_id="cust-3")

    page = client_a.get(url("conversation_change", reply.conversation.pk))

    assert page.status_code == 200
    assert b"Shipping takes 3\xe2\x80\x935 business days." in page.content
    assert b"How long is shipping?" in page.content
    assert not page.context["has_change_permission"]
    assert client_a.get(url("conversation_add")).status_code == 403


def test_end_users_are_listed_for_the_operators_workspace(client_a, workspace, other_workspace):
    EndUserFactory(workspace=workspace, user_id="cust-mine")
    EndUserFactory(workspace=other_workspace, user_id="cust-theirs")

    page = client_a.get(url("enduser_changelist"))

    assert b"cust-mine" in page.content and b"cust-theirs" not in page.content

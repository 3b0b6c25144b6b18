"""Documents become passages that keep a heading with its text and a question with its answer."""
import pytest

from conversations.errors import DocumentTooLarge, InvalidDocument
from conversations.models import Document, KnowledgeBase, Passage
from conversations.services import document_create, document_delete, document_update
from tests.conversations.pdfs import pdf_with_lines, pdf_without_text


def passages_of(document) -> list[tuple[str, str, str]]:
    return [(p.heading, p.question, p.text) for p in document.passages.order_by("position")]


def test_markdown_keeps_each_question_with_its_answer_under_its_heading(workspace):
    text = (
        "# Shipping\n\n"
        "## How long is shipping?\nShipping takes **3–5** business days.\n\n"
        "## Do you ship abroad?\nYes, to the [EU](https://example.com/eu).\n\n"
        "# Returns\n\nYou can return items within 30 days.\n\n"
        "**Are returns free?**\nYes, returns are free.\n"
    )

    document = document_create(workspace=workspace, title="FAQ", source_type="markdown",
                               content=text)

    assert passages_of(document) == [
        ("Shipping", "How long is shipping?", "Shipping takes 3–5 business days."),
        ("Shipping", "Do you ship abroad?", "Yes, to the EU."),
        ("Returns", "", "You can return items within 30 days."),
        ("Returns", "Are returns free?", "Yes, returns are free."),
    ]
    assert document.size == len(text.encode())
    assert document.public_id.startswith("doc_")


def test_wrapped_lines_are_one_paragraph_but_list_items_keep_their_lines(workspace):
    text = (
        "## Where do you ship?\nWe ship to these countries,\nwith tracking:\n"
        "- France\n- Spain\n"
    )

    document = document_create(workspace=workspace, title="Countries", source_type="markdown",
                               content=text)

    assert passages_of(document) == [
        ("", "Where do you ship?",
         "We ship to these countries, with tracking:\n• France\n• Spain"),
    ]


def test_plain_text_takes_short_lines_as_headings_and_q_a_pairs(workspace):
    text = (
        "Opening hours\n\nWe are open Monday to Friday, 9 am to 5 pm.\n\n"
        "Q: Are you open on Sundays?\nA: No, we are closed on Sundays.\n"
    )

    document = document_create(workspace=workspace, title="Hours", source_type="text",
                               content=text)

    assert passages_of(document) == [
        ("Opening hours", "", "We are open Monday to Friday, 9 am to 5 pm."),
        ("Opening hours", "Are you open on Sundays?", "No, we are closed on Sundays."),
    ]


def test_html_headings_paragraphs_and_definition_lists(workspace):
    html = (
        "<html><head><title>x</title><style>p {color: red}</style></head><body>"
        "<nav>Home | Shop</nav><h1>Payment</h1><p>We take cards &amp; PayPal.</p>"
        "<dl><dt>Can I pay later?</dt><dd>Yes, with Klarna.</dd></dl>"
        "<script>var secret = 1;</script></body></html>"
    )

    document = document_create(workspace=workspace, title="Payment", source_type="html",
                               content=html)

    assert passages_of(document) == [
        ("Payment", "", "We take cards & PayPal."),
        ("Payment", "Can I pay later?", "Yes, with Klarna."),
    ]


def test_a_pdf_upload_is_read_page_by_page(workspace):
    data = pdf_with_lines(
        ["Warranty", "", "Every product carries a two-year warranty."],
        ["How do I claim the warranty?", "", "Email us your order number."],
    )

    document = document_create(workspace=workspace, title="", source_type="pdf", data=data,
                               filename="warranty-terms.pdf")

    assert document.title == "warranty-terms"
    assert document.size == len(data)
    assert "two-year warranty" in document.content
    texts = [text for _, _, text in passages_of(document)]
    assert "Email us your order number." in texts
    claim = document.passages.get(text="Email us your order number.")
    assert claim.question == "How do I claim the warranty?"


@pytest.mark.parametrize("data, message", [
    (b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
    (b"\x00\x01\x02 garbage", "not a readable PDF"),
    (pdf_without_text(), "no text"),
])
def test_an_unreadable_pdf_is_refused_and_nothing_is_stored(workspace, data, message):
    with pytest.raises(InvalidDocument, match=message) as refused:
        document_create(workspace=workspace, title="Scan", source_type="pdf", data=data)

    assert refused.value.field == "file"
    assert not Document.objects.exists() and not KnowledgeBase.objects.exists()


def test_too_large_and_empty_documents_are_refused(workspace, settings):
    settings.DOCUMENT_MAX_BYTES = 100

    with pytest.raises(DocumentTooLarge, match="limit is 100 bytes"):
        document_create(workspace=workspace, title="Big", source_type="text", content="x" * 101)
    with pytest.raises(InvalidDocument, match="empty"):
        document_create(workspace=workspace, title="Empty", source_type="text", content="  \n")
    with pytest.raises(InvalidDocument, match="title"):
        document_create(workspace=workspace, title=" ", source_type="text", content="Hello.")
    with pytest.raises(InvalidDocument, match="Unknown source type"):
        document_create(workspace=workspace, title="T", source_type="docx", content="Hello.")

    assert not Document.objects.exists()


def test_a_long_section_is_split_and_every_piece_keeps_its_heading(workspace):
    paragraphs = [f"Paragraph {n} " + "about our warranty terms. " * 20 for n in range(6)]
    text = "# Warranty\n\n" + "\n\n".join(paragraphs)

    document = document_create(workspace=workspace, title="Warranty", source_type="markdown",
                               content=text)

    pieces = passages_of(document)
    assert len(pieces) > 1
    assert all(heading == "Warranty" and len(body) <= 1200 for heading, _, body in pieces)
    assert "".join(body for _, _, body in pieces).count("Paragraph") == 6


def test_every_change_bumps_the_knowledge_base_version(workspace):
    document = document_create(workspace=workspace, title="A", source_type="text",
                               content="First text.")
    assert KnowledgeBase.objects.get(workspace=workspace).version == 1

    document_update(document=document, title="A", source_type="text", content="Second text.")
    assert KnowledgeBase.objects.get(workspace=workspace).version == 2
    assert [p.text for p in Passage.objects.filter(document=document)] == ["Second text."]

    document_delete(document=document)
    assert KnowledgeBase.objects.get(workspace=workspace).version == 3
    assert not Passage.objects.exists()

"""The sentence model (pinned, offline), the worker that stores each passage's vector when a
document is saved, the semantic and hybrid engines, BM25 as their fallback, and follow-up
questions read with the one before."""
import pytest

from conversations.engine import embeddings
from conversations.engine.base import Turn
from conversations.engine.bm25 import (
    BM25AnswerEngine,
    HybridAnswerEngine,
    SemanticAnswerEngine,
    is_follow_up,
)
from conversations.models import KnowledgeBase, Passage
from conversations.services import demo_knowledge_base_load, document_create, passages_embed
from tests.helpers import wait_until

FAQ = """\
## How long does delivery take?
Parcels arrive within three working days.

## Can I send an item back?
Yes, you have 30 days to return anything unworn for a full refund.

## Which cards do you take?
We accept Visa and Mastercard.
"""


def test_the_model_is_the_pinned_file_and_gives_unit_vectors_that_carry_meaning():
    model = embeddings.model()
    assert model is not None and embeddings.available()

    vectors = model.embed(["When will my parcel get here?", "Parcels arrive within three "
                           "working days.", "We accept Visa and Mastercard."])

    assert vectors.shape == (3, embeddings.DIMENSIONS)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert abs(float(vectors[0] @ vectors[0]) - 1) < 1e-5
    assert embeddings.model() is model  # one per process


def test_a_model_file_that_is_not_the_pinned_one_is_refused(tmp_path, monkeypatch):
    forged = tmp_path / "model.onnx"
    forged.write_bytes(b"not the model")
    monkeypatch.setenv("ANSWER_MODEL_PATH", str(forged))

    with pytest.raises(embeddings.ModelUnavailable, match="not the pinned model"):
        embeddings.SentenceModel()


def test_vectors_round_trip_through_their_stored_bytes():
    vector = embeddings.embed(["hello"])[0]

    stored = embeddings.from_bytes(embeddings.to_bytes(vector))

    assert len(embeddings.to_bytes(vector)) == 2 * embeddings.DIMENSIONS
    assert float(stored @ vector) > 0.999


def test_a_worker_stores_the_vectors_when_a_document_is_saved(workspace, celery_worker,
                                                              settings):
    settings.ANSWER_ENGINE = "conversations.engine.bm25.HybridAnswerEngine"
    document = document_create(workspace=workspace, title="Shop", source_type="markdown",
                               content=FAQ)
    version = KnowledgeBase.objects.get(workspace=workspace).version

    wait_until(lambda: not document.passages.filter(embedding=None).exists(), timeout=60)

    passages = list(document.passages.all())
    assert len(passages) == 3
    assert {p.embedding_model for p in passages} == {embeddings.MODEL_ID}
    # the indexes of every process are rebuilt with the vectors
    assert KnowledgeBase.objects.get(workspace=workspace).version > version


def test_no_vectors_are_queued_for_an_engine_that_does_not_read_them(workspace, celery_worker,
                                                                     settings):
    settings.ANSWER_ENGINE = "conversations.engine.bm25.BM25AnswerEngine"
    document = document_create(workspace=workspace, title="Shop", source_type="markdown",
                               content=FAQ)

    assert passages_embed(document_id=document.pk) == 3  # computed only when asked
    assert passages_embed(document_id=document.pk) == 0  # and not twice


@pytest.fixture
def shop(workspace):
    document = document_create(workspace=workspace, title="Shop", source_type="markdown",
                               content=FAQ)
    passages_embed(document_id=document.pk)
    return workspace


@pytest.mark.parametrize("engine_class", [SemanticAnswerEngine, HybridAnswerEngine])
def test_the_sentence_model_finds_answers_that_share_no_word_with_the_question(shop,
                                                                               engine_class):
    question = "When will my parcel get here?"
    words_only = BM25AnswerEngine().answer(workspace=shop, question=question, history=[])

    answer = engine_class().answer(workspace=shop, question=question, history=[])

    assert answer.text == "Parcels arrive within three working days."
    assert answer.confidence >= 0.5
    assert words_only.confidence < answer.confidence
    assert Passage.objects.get(pk=answer.passage_id).question == "How long does delivery take?"


@pytest.mark.parametrize("engine_class", [SemanticAnswerEngine, HybridAnswerEngine])
def test_the_sentence_model_escalates_what_the_documents_do_not_say(shop, engine_class):
    for question in ("What's the weather in Paris?", "Tell me a joke",
                     "Do you have a shop in London?"):
        answer = engine_class().answer(workspace=shop, question=question, history=[])
        assert answer.confidence < 0.5, question


def test_without_the_model_the_hybrid_engine_answers_as_bm25(shop, monkeypatch):
    monkeypatch.setattr(embeddings, "model", lambda: None)  # the packages are not installed
    question = "How long does delivery take?"

    hybrid = HybridAnswerEngine().answer(workspace=shop, question=question, history=[])
    bm25 = BM25AnswerEngine().answer(workspace=shop, question=question, history=[])

    assert (hybrid.text, hybrid.confidence) == (bm25.text, bm25.confidence)
    assert hybrid.text == "Parcels arrive within three working days."


def test_passages_without_vectors_yet_are_answered_by_bm25(workspace):
    document_create(workspace=workspace, title="Shop", source_type="markdown", content=FAQ)

    answer = HybridAnswerEngine().answer(workspace=workspace, question="Which cards do you "
                                         "take?", history=[])

    assert answer.text == "We accept Visa and Mastercard." and answer.confidence >= 0.5


def test_a_follow_up_question_is_read_with_the_one_before(workspace):
    demo_knowledge_base_load(workspace=workspace)
    engine = BM25AnswerEngine()
    history = [Turn(role="user", text="Can I return an item?"),
               Turn(role="bot", text="Yes, within 30 days of delivery.")]

    alone = engine.answer(workspace=workspace, question="is it free?", history=[])
    followed = engine.answer(workspace=workspace, question="is it free?", history=history)

    assert alone.confidence < 0.5  # "free" alone could be delivery, instalments, returns
    assert "start a return" in followed.text
    assert followed.confidence >= 0.5


def test_a_follow_up_reaches_the_engine_through_the_conversation(api_client, workspace):
    demo_knowledge_base_load(workspace=workspace)
    first = api_client.post("/v1/chat", {"message": "Can I return an item?"}, format="json")
    conversation_id = first.json()["data"]["conversationId"]

    second = api_client.post("/v1/chat", {"message": "is it free?",
                                          "conversationId": conversation_id}, format="json")

    data = second.json()["data"]
    assert data["escalated"] is False
    assert "start a return" in data["message"]


def test_a_question_that_stands_on_its_own_is_not_read_with_the_one_before(workspace):
    demo_knowledge_base_load(workspace=workspace)
    history = [Turn(role="user", text="How long is shipping?")]

    answer = BM25AnswerEngine().answer(
        workspace=workspace, question="Which payment methods do you accept?", history=history)

    assert "PayPal" in answer.text


def test_what_counts_as_a_follow_up():
    assert is_follow_up("and how much does it cost?")
    assert is_follow_up("What about Canada?")
    assert is_follow_up("is it free?")
    assert not is_follow_up("Which payment methods do you accept?")
    assert not is_follow_up("How do I make curl follow redirects when it gets a 301 from "
                            "the server that moved the page?")


def test_with_vectors_the_hybrid_engine_answers_every_demo_paraphrase_confidently(workspace):
    """Where BM25 alone escalates four of them (a near-duplicate passage), the sentence
    model tells the right passage apart."""
    from tests.conversations.test_engine import NEAR_DUPLICATED, PARAPHRASES, UNRELATED

    demo_knowledge_base_load(workspace=workspace)
    for document in workspace.documents.all():
        passages_embed(document_id=document.pk)
    engine = HybridAnswerEngine()

    for question, expected in PARAPHRASES:
        answer = engine.answer(workspace=workspace, question=question, history=[])
        assert expected in answer.text and answer.confidence >= 0.5, question
    assert {question for question, _ in PARAPHRASES} >= NEAR_DUPLICATED
    for question in UNRELATED:
        assert engine.answer(workspace=workspace, question=question,
                             history=[]).confidence < 0.3, question


def test_embed_passages_queues_the_documents_saved_without_vectors(workspace, celery_worker,
                                                                   settings):
    from django.core.management import call_command

    settings.ANSWER_ENGINE = "conversations.engine.bm25.BM25AnswerEngine"  # queues nothing
    document = document_create(workspace=workspace, title="Shop", source_type="markdown",
                               content=FAQ)
    assert document.passages.filter(embedding=None).count() == 3

    call_command("embed_passages", workspace.public_id)

    wait_until(lambda: not document.passages.filter(embedding=None).exists(), timeout=60)

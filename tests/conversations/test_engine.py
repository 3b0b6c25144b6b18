"""The default answer engine: the right passage, a confidence that means something, and an
index built once per workspace and rebuilt when its documents change."""
import pytest

from conversations.engine import get_engine
from conversations.engine.bm25 import BM25AnswerEngine
from conversations.services import demo_knowledge_base_load, document_create, document_delete
from tests.factories import WorkspaceFactory

# (question as a customer might ask it, words only the right answer contains)
PARAPHRASES = [
    ("How long is shipping?", "3–5 business days within the country. Orders placed"),
    ("What is your shipping policy?", "leaves our warehouse within one business day"),
    ("When will my order arrive?", "3–5 business days within the country. Orders placed"),
    ("What does shipping cost?", "Standard shipping costs $4.95"),
    ("Is delivery free?", "Standard shipping costs $4.95"),
    ("Do you deliver abroad?", "Canada and Australia"),
    ("Can I ship to Canada?", "Canada and Australia"),
    ("Where is my parcel? How do I track it?", "tracking number"),
    ("What is your return policy?", "within 30 days of delivery"),
    ("How do I send something back?", "prepaid return label"),
    ("When do I get my money back?", "within 5 business days after we"),
    ("Can I swap for a different size?", "Exchange"),
    ("How can I cancel my order?", "Cancel order"),
    ("What payment methods do you take?", "PayPal, Apple Pay"),
    ("Can I pay with PayPal?", "PayPal, Apple Pay"),
    ("When do you charge my card?", "charged when your order is dispatched"),
    ("Is paying by card secure?", "never store your full card number"),
    ("Can I pay in installments?", "interest-free"),
    ("Do you sell gift cards?", "never expire"),
    ("My card was declined", "expired card"),
    ("How do I sign up?", "Sign up"),
    ("I forgot my password", "valid for one hour"),
    ("How do I change my email?", "Account → Settings to update"),
    ("Can I buy without an account?", "as a guest"),
    ("How do I stop getting newsletters?", "Unsubscribe"),
    ("How do I delete my account?", "Delete account"),
]

# The demo FAQ's "What is your shipping policy?" passage repeats what these answers say, so
# the calibrated confidence of these is lowered by the near-duplicate runner-up (below 0.5:
# escalated) although the right passage still ranks first.
NEAR_DUPLICATED = {
    "When will my order arrive?", "Is delivery free?", "Can I ship to Canada?",
    "How do I send something back?",
}

UNRELATED = [
    "What is the capital of France?",
    "Do you sell car insurance?",
    "Who won the football match yesterday?",
    "Can you recommend a good restaurant?",
    "How tall is Mount Everest?",
    "asdf qwerty",
    "???",
]


@pytest.fixture
def shop(workspace):
    demo_knowledge_base_load(workspace=workspace)
    return workspace


@pytest.mark.parametrize("question, expected", PARAPHRASES)
def test_each_paraphrased_question_gets_its_own_answer_confidently(shop, question, expected):
    answer = get_engine().answer(workspace=shop, question=question, history=[])

    assert expected in answer.text
    if question in NEAR_DUPLICATED:
        assert 0.1 <= answer.confidence < 0.5
    else:
        assert answer.confidence >= 0.5
    assert answer.sources and answer.sources[0].document_id.startswith("doc_")


def test_the_paraphrases_do_not_all_land_on_a_few_answers(shop):
    answers = {
        get_engine().answer(workspace=shop, question=question, history=[]).text
        for question, _ in PARAPHRASES
    }
    assert len(answers) == len({expected for _, expected in PARAPHRASES})


@pytest.mark.parametrize("question", UNRELATED)
def test_unrelated_questions_score_low(shop, question):
    answer = get_engine().answer(workspace=shop, question=question, history=[])

    assert answer.confidence < 0.3


def test_the_guides_question_is_answered_with_high_confidence(shop):
    answer = get_engine().answer(workspace=shop, question="How long is shipping?", history=[])

    assert answer.text == (
        "Shipping takes 3–5 business days within the country. Orders placed before 2 pm are "
        "dispatched the same day, so your order usually arrives within a week."
    )
    assert answer.confidence >= 0.9
    assert answer.sources[0].title == "Shipping FAQ"


def test_a_workspace_without_documents_answers_nothing(workspace):
    answer = get_engine().answer(workspace=workspace, question="How long is shipping?",
                                 history=[])

    assert (answer.text, answer.confidence, answer.sources) == ("", 0.0, [])


def test_one_workspace_never_answers_from_anothers_documents(shop):
    other = WorkspaceFactory()

    answer = get_engine().answer(workspace=other, question="How long is shipping?", history=[])

    assert answer.confidence == 0.0 and answer.text == ""


def test_a_long_passage_is_trimmed_to_the_sentences_that_answer(workspace):
    filler = " ".join(f"Our shop opened in {1990 + n} with a new branch." for n in range(15))
    document_create(
        workspace=workspace, title="About us", source_type="text",
        content=f"{filler} Gift wrapping costs $3 per parcel. {filler}",
    )

    answer = get_engine().answer(workspace=workspace, question="How much is gift wrapping?",
                                 history=[])

    assert answer.text.startswith("Gift wrapping costs $3 per parcel.")
    assert len(answer.text) <= 500


def test_the_index_is_built_once_and_reused(shop):
    engine = BM25AnswerEngine()

    first = engine.index_for(workspace_id=shop.pk)
    second = engine.index_for(workspace_id=shop.pk)

    assert first is second


def test_the_index_is_rebuilt_when_documents_change(workspace):
    engine = BM25AnswerEngine()
    question = "Do you offer gift wrapping?"
    assert engine.answer(workspace=workspace, question=question, history=[]).confidence == 0
    before = engine.index_for(workspace_id=workspace.pk)

    document = document_create(
        workspace=workspace, title="Extras", source_type="markdown",
        content="## Do you offer gift wrapping?\nYes, gift wrapping costs $3.",
    )
    answered = engine.answer(workspace=workspace, question=question, history=[])

    assert engine.index_for(workspace_id=workspace.pk) is not before
    assert answered.text == "Yes, gift wrapping costs $3." and answered.confidence > 0.9

    document_delete(document=document)
    assert engine.answer(workspace=workspace, question=question, history=[]).confidence == 0


def test_the_engine_is_chosen_by_a_setting(settings):
    settings.ANSWER_ENGINE = "tests.conversations.echo_engine.EchoEngine"

    engine = get_engine()

    assert engine.__class__.__name__ == "EchoEngine"


def test_confidence_does_not_drift_with_the_knowledge_bases_size(shop):
    """400 passages about something else leave the confidence of the demo's answers where it
    was: the signals are ratios, not raw BM25 scores that grow with the collection."""
    import random

    questions = ["How long is shipping?", "What is your return policy?",
                 "Can I pay in installments?", "How do I delete my account?"]
    before = [get_engine().answer(workspace=shop, question=q, history=[]) for q in questions]
    rnd = random.Random(3)
    words = ["garden", "tomato", "soil", "watering", "seeds", "compost", "harvest", "pruning",
             "sunlight", "greenhouse", "fertilizer", "mulch", "weeds", "pots", "balcony"]
    document_create(workspace=shop, title="Garden", source_type="markdown", content="\n\n".join(
        f"## How do I handle {rnd.choice(words)} and {rnd.choice(words)}?\n"
        + " ".join(rnd.choice(words) for _ in range(40)) + "." for _ in range(400)))

    after = [get_engine().answer(workspace=shop, question=q, history=[]) for q in questions]

    for question, old, new in zip(questions, before, after, strict=True):
        assert new.text == old.text, question
        assert abs(new.confidence - old.confidence) < 0.1, question
        assert new.confidence >= 0.5, question

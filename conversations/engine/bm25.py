"""The ranking answer engines: BM25 (bm25s), and BM25 with the sentence model's vectors.

Each process keeps one index per workspace in memory, built on first use and reused by
every request; the workspace's knowledge-base version (bumped in the database whenever a
document or its passages' vectors change) is read on each question, and a stale index is
rebuilt.

Confidence is a calibrated probability that the best passage answers the question: a
logistic function of a few signals measured on the ranking, fitted on the tuning part of
the evaluation in `bench/bench_answers.py` (its coefficients are below). The signals are
ratios, so they do not drift with the knowledge base's size:
- coverage: the share of the question's known words (weighted by how distinctive they are)
  that the passage contains; words the knowledge base never uses are left out of it;
- unseen: the share of the question's words that the knowledge base never uses;
- separation: how far the best passage is ahead of the best passage of another entry (a
  near-duplicate runner-up lowers confidence);
- strength: the BM25 score against the most the question's words could score;
- for the sentence model: the cosine of question and passage, and its lead over the runner-up.

A short question that follows up on the previous one ("and how much does it cost?", "what
about Canada?") is also read with the user's previous question before it; that reading is
used when it ranks with more confidence than the question alone.
"""
import logging
import math
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass

import bm25s
import numpy as np

from conversations.engine import embeddings
from conversations.engine import text as text_terms
from conversations.engine.base import Answer, AnswerEngine, Source, Turn
from conversations.models import KnowledgeBase, Passage

logger = logging.getLogger(__name__)

MAX_CACHED_WORKSPACES = 256
ANSWER_CHARS = 500  # a longer passage is trimmed to the sentences that answer
K1 = 1.5  # bm25s' default, used for the "most the words could score" normaliser

# Logistic coefficients (intercept first), fitted by `python bench/bench_answers.py --fit` on
# the tuning questions, with a wrong answer weighing twice a right one for BM25 (its wrong
# answers are the costlier mistake) and once for the engines with the sentence model. The
# signals overlap (coverage and strength both measure matched words), so a coefficient's
# sign alone says little; together they make a probability that the answer is right.
BM25_COEFFICIENTS = (-0.82, -3.8, -10.25, 4.27, 16.13)
# 1, coverage, unseen, separation, strength
SEMANTIC_COEFFICIENTS = (-6.12, 9.47, 15.26)  # 1, cosine, cosine lead
HYBRID_COEFFICIENTS = (-10.61, 14.08, 13.39, -0.49, -0.9, 4.17)
# 1, cosine, cosine lead, coverage, separation, the two rankings agree
HYBRID_BM25_WEIGHT = 0.3  # rank by cosine + this × BM25 score / best BM25 score

_FOLLOW_UP = re.compile(
    r"^\s*(?:and|but|also|so|then|ok(?:ay)?,? and|what about|how about|same for)\b"
    r"|\b(?:it|its|it's|that|this|they|them|those|these|one)\b",
    re.IGNORECASE,
)
FOLLOW_UP_MAX_TERMS = 4  # a longer question says what it is about by itself


@dataclass(frozen=True)
class _Passage:
    pk: int
    document_id: str
    title: str
    question: str
    text: str
    terms: frozenset[str]
    entry: int  # passages of one entry (one question, one heading) share it


class _Index:
    def __init__(self, *, version: int, passages: list[_Passage], token_lists: list[list[str]],
                 vectors: np.ndarray | None):
        self.version = version
        self.passages = passages
        self.size = len(passages)
        self.entries = np.array([p.entry for p in passages], dtype=np.int64)
        document_frequency = Counter(term for p in passages for term in p.terms)
        self._idf = {
            term: self._idf_for(count) for term, count in document_frequency.items()
        }
        self.retriever = None
        if passages:
            self.retriever = bm25s.BM25()
            self.retriever.index(token_lists, show_progress=False)
        self.vectors = vectors  # (size, dimensions), rows of zeros where none is stored yet
        weights = sorted(self._idf.values())
        self.typical_weight = weights[len(weights) // 2] if weights else 1.0

    def _idf_for(self, document_frequency: int) -> float:
        return math.log(1 + (self.size - document_frequency + 0.5) / (document_frequency + 0.5))

    def known(self, term: str) -> bool:
        return term in self._idf

    def weight(self, term: str) -> float:
        return self._idf.get(term, 0.0)

    def scores(self, query_terms: list[str]) -> np.ndarray:
        known = [term for term in query_terms if term in self._idf]
        if not known or self.retriever is None:
            return np.zeros(self.size)
        return self.retriever.get_scores(known)


def _runner_up(scores: np.ndarray, entries: np.ndarray, best: int) -> float:
    """The best score of a passage of another entry (0 when there is none)."""
    others = scores[entries != entries[best]]
    return float(others.max()) if others.size else 0.0


def _logistic(coefficients: tuple, features: list[float]) -> float:
    z = coefficients[0] + sum(c * f for c, f in zip(coefficients[1:], features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


@dataclass(frozen=True)
class _Ranking:
    best: int
    confidence: float
    query_terms: list[str]
    features: tuple = ()


class BM25AnswerEngine(AnswerEngine):
    """BM25 over the words of the passages."""

    uses_embeddings = False

    def __init__(self):
        self._indexes: OrderedDict[int, _Index] = OrderedDict()
        self._lock = threading.Lock()
        self._build_locks: dict[int, threading.Lock] = {}

    # --- the index ----------------------------------------------------------------------
    def forget(self, *, workspace_id: int) -> None:
        with self._lock:
            self._indexes.pop(workspace_id, None)

    def index_for(self, *, workspace_id: int) -> _Index:
        version = current_version(workspace_id=workspace_id)
        with self._lock:
            index = self._indexes.get(workspace_id)
            if index is not None and index.version == version:
                self._indexes.move_to_end(workspace_id)
                return index
            build_lock = self._build_locks.setdefault(workspace_id, threading.Lock())
        with build_lock:  # one build per workspace at a time; others wait and reuse it
            with self._lock:
                index = self._indexes.get(workspace_id)
            if index is None or index.version != version:
                index = build_index(workspace_id=workspace_id,
                                    with_vectors=self.uses_embeddings)
            with self._lock:
                self._indexes[workspace_id] = index
                self._indexes.move_to_end(workspace_id)
                while len(self._indexes) > MAX_CACHED_WORKSPACES:
                    evicted, _ = self._indexes.popitem(last=False)
                    self._build_locks.pop(evicted, None)
            return index

    # --- answering ----------------------------------------------------------------------
    def answer(self, *, workspace, question: str, history: list[Turn]) -> Answer:
        index = self.index_for(workspace_id=workspace.pk)
        if index.size == 0:
            return Answer(text="", confidence=0.0, sources=[])
        ranking = self.rank(index, question)
        previous = _previous_question(history)
        if previous and is_follow_up(question):
            in_context = self.rank(index, f"{previous}\n{question}")
            # The reading that answers with more confidence: "is it free?" after "Can I
            # return an item?" is about returns; "what about installments?" after a question
            # on payment methods reads best alone.
            if in_context is not None and (
                ranking is None or in_context.confidence > ranking.confidence
            ):
                ranking = in_context
        if ranking is None:
            return Answer(text="", confidence=0.0, sources=[])
        passage = index.passages[ranking.best]
        confidence = round(min(1.0, max(0.0, ranking.confidence)), 3)
        return Answer(
            text=trim(passage.text, query_terms=ranking.query_terms, weight=index.weight),
            confidence=confidence,
            sources=[Source(document_id=passage.document_id, title=passage.title,
                            score=confidence)],
            passage_id=passage.pk,
        )

    def rank(self, index: _Index, question: str) -> _Ranking | None:
        query_terms = _query_terms(question)
        if not query_terms:
            return None
        scores = index.scores(query_terms)
        best = int(np.argmax(scores))
        if scores[best] <= 0:
            return None
        features = bm25_features(index, query_terms, scores, best)
        return _Ranking(best, _logistic(BM25_COEFFICIENTS, features), query_terms,
                        tuple(features))


def bm25_features(index: _Index, query_terms: list[str], scores: np.ndarray,
                  best: int) -> list[float]:
    """coverage, unseen, separation, strength (see the module's docstring)."""
    passage = index.passages[best]
    known = [term for term in query_terms if index.known(term)]
    # A word the knowledge base never uses counts as a typical word of it: not the most
    # distinctive (one chatty word would sink a good answer), not nothing (a question of
    # unknown words with one common word would be "covered").
    typical = index.typical_weight
    total = sum(index.weight(term) if index.known(term) else typical for term in query_terms)
    coverage = sum(index.weight(term) for term in known if term in passage.terms) / total
    unseen = 1 - len(known) / len(query_terms)
    top = float(scores[best])
    separation = 1.0
    if top > 0:
        separation = (top - _runner_up(scores, index.entries, best)) / top
    most = sum(index.weight(term) * (K1 + 1) for term in known) or 1.0
    strength = min(1.0, top / most)
    return [coverage, unseen, separation, strength]


class SemanticAnswerEngine(BM25AnswerEngine):
    """The sentence model's cosine between question and passages; BM25 when the model or
    the passages' vectors are missing."""

    uses_embeddings = True

    def rank(self, index: _Index, question: str) -> _Ranking | None:
        query = _question_vector(index, question)
        if query is None:
            return super().rank(index, question)
        cosines = index.vectors @ query
        best = int(np.argmax(cosines))
        lead = float(cosines[best]) - _runner_up(cosines, index.entries, best)
        features = [float(cosines[best]), lead]
        confidence = _logistic(SEMANTIC_COEFFICIENTS, features)
        return _Ranking(best, confidence, _query_terms(question), tuple(features))


class HybridAnswerEngine(BM25AnswerEngine):
    """BM25 and the sentence model together: passages ranked by cosine plus a share of the
    BM25 score, confidence from both signals; BM25 alone without the model's vectors."""

    uses_embeddings = True

    def rank(self, index: _Index, question: str) -> _Ranking | None:
        query = _question_vector(index, question)
        if query is None:
            return super().rank(index, question)
        query_terms = _query_terms(question)
        cosines = index.vectors @ query
        scores = index.scores(query_terms) if query_terms else np.zeros(index.size)
        top_score = float(scores.max()) if scores.size else 0.0
        combined = cosines + (HYBRID_BM25_WEIGHT * scores / top_score if top_score > 0 else 0)
        best = int(np.argmax(combined))
        lead = float(cosines[best]) - _runner_up(cosines, index.entries, best)
        if top_score > 0:
            coverage, _unseen, separation, _strength = bm25_features(
                index, query_terms, scores, best)
            agree = float(index.entries[int(np.argmax(scores))] == index.entries[best])
        else:
            coverage = separation = agree = 0.0
        features = [float(cosines[best]), lead, coverage, separation, agree]
        confidence = _logistic(HYBRID_COEFFICIENTS, features)
        return _Ranking(best, confidence, query_terms, tuple(features))


def _query_terms(question: str) -> list[str]:
    """The question's terms, each once, in the order asked."""
    return list(dict.fromkeys(text_terms.terms(question)))


def _question_vector(index: _Index, question: str) -> np.ndarray | None:
    if index.vectors is None:
        return None
    model = embeddings.model()
    if model is None:
        return None
    return model.embed([question])[0]


def _previous_question(history: list[Turn]) -> str:
    for turn in reversed(history):
        if turn.role == "user":
            return turn.text
    return ""


def is_follow_up(question: str) -> bool:
    """A short question that leans on the one before ("and how much is it?")."""
    return bool(_FOLLOW_UP.search(question)) and \
        len(text_terms.terms(question)) <= FOLLOW_UP_MAX_TERMS


def current_version(*, workspace_id: int) -> int:
    version = (
        KnowledgeBase.objects.filter(workspace_id=workspace_id)
        .values_list("version", flat=True).first()
    )
    return version or 0


def build_index(*, workspace_id: int, with_vectors: bool = False) -> _Index:
    # The version is read before the passages: a change in between leaves an index that
    # claims to be older than it is, and the next question rebuilds it.
    version = current_version(workspace_id=workspace_id)
    fields = ["pk", "document_id", "document__public_id", "document__title", "heading",
              "question", "text"]
    if with_vectors:
        fields += ["embedding", "embedding_model"]
    rows = (
        Passage.objects.filter(workspace_id=workspace_id)
        .order_by("document_id", "position").values_list(*fields)
    )
    passages, token_lists, vectors, entries = [], [], [], {}
    for row in rows.iterator(chunk_size=2000):
        pk, document_pk, document_id, title, heading, question, text = row[:7]
        # The heading and the question say what the passage is about: they count twice.
        about = text_terms.terms(f"{heading or title}\n{question}")
        body = text_terms.terms(text)
        tokens = about * 2 + body
        entry = entries.setdefault((document_pk, heading, question), len(entries))
        passages.append(_Passage(pk, document_id, title, question, text, frozenset(tokens),
                                 entry))
        token_lists.append(tokens or [""])
        if with_vectors:
            embedding, model_id = row[7], row[8]
            if embedding is not None and model_id == embeddings.MODEL_ID:
                vectors.append(embeddings.from_bytes(bytes(embedding)))
            else:
                vectors.append(None)
    matrix = None
    if with_vectors and any(vector is not None for vector in vectors):
        matrix = np.zeros((len(passages), embeddings.DIMENSIONS), dtype=np.float32)
        for position, vector in enumerate(vectors):
            if vector is not None:
                matrix[position] = vector
    logger.info("built the answer index of workspace %s: %d passages (version %s)",
                workspace_id, len(passages), version)
    return _Index(version=version, passages=passages, token_lists=token_lists, vectors=matrix)


def trim(text: str, *, query_terms: list[str], weight) -> str:
    """The passage, or for a long one the sentences around the one that best answers."""
    if len(text) <= ANSWER_CHARS:
        return text.strip()
    parts = text_terms.sentences(text)
    wanted = set(query_terms)
    scored = [
        sum(weight(term) for term in set(text_terms.terms(sentence)) & wanted)
        for sentence in parts
    ]
    start = max(range(len(parts)), key=lambda i: (scored[i], -i))
    chosen = [parts[start]]
    for sentence in parts[start + 1:]:
        if len(" ".join(chosen)) + len(sentence) + 1 > ANSWER_CHARS:
            break
        chosen.append(sentence)
    return " ".join(chosen)

"""The default answer engine: BM25 ranking (bm25s) over the workspace's passages.

Each process keeps one index per workspace in memory, built on first use and reused by
every request; the workspace's knowledge-base version (bumped in the database whenever a
document changes) is read on each question, and a stale index is rebuilt.

Confidence: the share of the question's meaningful words that the best passage contains,
each word weighted by how distinctive it is in the knowledge base (its inverse document
frequency; a word the knowledge base never uses weighs most), times a factor that drops
from 1 to 0.7 when a different passage ranks almost as high (the answer is ambiguous).
So a passage that covers what was asked scores near 1, and a question about something the
documents never mention scores near 0.
"""
import logging
import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass

import bm25s
import numpy as np

from conversations.engine import text as text_terms
from conversations.engine.base import Answer, AnswerEngine, Source, Turn
from conversations.models import KnowledgeBase, Passage

logger = logging.getLogger(__name__)

MAX_CACHED_WORKSPACES = 256
ANSWER_CHARS = 500  # a longer passage is trimmed to the sentences that answer
AMBIGUITY_PENALTY = 0.3


@dataclass(frozen=True)
class _Passage:
    document_id: str
    title: str
    question: str
    text: str
    terms: frozenset[str]


class _Index:
    def __init__(self, *, version: int, passages: list[_Passage], token_lists: list[list[str]]):
        self.version = version
        self.passages = passages
        self.size = len(passages)
        document_frequency = Counter(term for p in passages for term in p.terms)
        self._idf = {
            term: self._idf_for(count) for term, count in document_frequency.items()
        }
        self._unseen_idf = self._idf_for(0)
        self.retriever = None
        if passages:
            self.retriever = bm25s.BM25()
            self.retriever.index(token_lists, show_progress=False)

    def _idf_for(self, document_frequency: int) -> float:
        return math.log(1 + (self.size - document_frequency + 0.5) / (document_frequency + 0.5))

    def weight(self, term: str) -> float:
        return self._idf.get(term, self._unseen_idf)

    def scores(self, query_terms: list[str]) -> np.ndarray:
        known = [term for term in query_terms if term in self._idf]
        if not known or self.retriever is None:
            return np.zeros(self.size)
        return self.retriever.get_scores(known)


class BM25AnswerEngine(AnswerEngine):
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
                index = build_index(workspace_id=workspace_id)
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
        query_terms = list(dict.fromkeys(text_terms.terms(question)))
        if not query_terms or index.size == 0:
            return Answer(text="", confidence=0.0, sources=[])
        scores = index.scores(query_terms)
        best = int(np.argmax(scores))
        if scores[best] <= 0:
            return Answer(text="", confidence=0.0, sources=[])
        passage = index.passages[best]

        total_weight = sum(index.weight(term) for term in query_terms)
        covered = sum(index.weight(term) for term in query_terms if term in passage.terms)
        coverage = covered / total_weight
        separation = 1.0
        if index.size > 1:
            runner_up = float(np.partition(scores, -2)[-2])
            separation = min(1.0, 4 * (float(scores[best]) - runner_up) / float(scores[best]))
        confidence = coverage * (1 - AMBIGUITY_PENALTY * (1 - separation))
        confidence = round(min(1.0, max(0.0, confidence)), 3)
        return Answer(
            text=trim(passage.text, query_terms=query_terms, weight=index.weight),
            confidence=confidence,
            sources=[Source(document_id=passage.document_id, title=passage.title,
                            score=confidence)],
        )


def current_version(*, workspace_id: int) -> int:
    version = (
        KnowledgeBase.objects.filter(workspace_id=workspace_id)
        .values_list("version", flat=True).first()
    )
    return version or 0


def build_index(*, workspace_id: int) -> _Index:
    # The version is read before the passages: a change in between leaves an index that
    # claims to be older than it is, and the next question rebuilds it.
    version = current_version(workspace_id=workspace_id)
    rows = (
        Passage.objects.filter(workspace_id=workspace_id)
        .order_by("document_id", "position")
        .values_list("document__public_id", "document__title", "heading", "question", "text")
    )
    passages, token_lists = [], []
    for document_id, title, heading, question, text in rows.iterator(chunk_size=2000):
        # The heading and the question say what the passage is about: they count twice.
        about = text_terms.terms(f"{heading or title}\n{question}")
        body = text_terms.terms(text)
        tokens = about * 2 + body
        passages.append(_Passage(document_id, title, question, text, frozenset(tokens)))
        token_lists.append(tokens or [""])
    logger.info("built the answer index of workspace %s: %d passages (version %s)",
                workspace_id, len(passages), version)
    return _Index(version=version, passages=passages, token_lists=token_lists)


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

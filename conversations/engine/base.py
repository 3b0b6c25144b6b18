"""The answer engine interface: what any engine (ranking, a language model, …) must provide."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """A document an answer was taken from."""

    document_id: str
    title: str
    score: float

    def as_dict(self) -> dict:
        return {"document_id": self.document_id, "title": self.title, "score": self.score}


@dataclass(frozen=True)
class Answer:
    """What the chatbot replies.

    `confidence` is in [0, 1]: near 1 when the knowledge base clearly answers the question,
    near 0 when nothing in it does. The chat service escalates below the workspace's
    threshold, so an engine must keep that meaning.
    """

    text: str
    confidence: float
    sources: list[Source] = field(default_factory=list)
    # The passage (its primary key) the text was taken from, when there is one; not part of
    # the chat API: for the evaluation in bench/ and for logs.
    passage_id: int | None = None


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation, oldest first in `history`."""

    role: str  # "user" or "bot"
    text: str


class AnswerEngine:
    """Base class of answer engines; `settings.ANSWER_ENGINE` names the one in use."""

    def answer(self, *, workspace, question: str, history: list[Turn]) -> Answer:
        """Answer `question` from `workspace`'s documents, with the earlier `history` of the
        conversation for context. Must not write to the database, must not raise for any
        question text, and returns confidence 0 with an empty text when it has nothing."""
        raise NotImplementedError

    def forget(self, *, workspace_id: int) -> None:
        """Drop anything cached for the workspace (its documents changed). Optional."""

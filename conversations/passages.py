"""Splitting a document into passages that each make sense on their own.

A passage keeps the heading it sits under with its text, and a question with its answer,
so the answer engine can rank and quote it without the rest of the document.
"""
import re
from dataclasses import dataclass

from conversations.parsing import Block

MAX_PASSAGE_CHARS = 1200
_QUESTION_PREFIX = re.compile(r"^\s*(?:Q|Question)\s*[:.)-]\s*", re.IGNORECASE)
_ANSWER_PREFIX = re.compile(r"^\s*(?:A|Answer)\s*[:.)-]\s*", re.IGNORECASE)


@dataclass(frozen=True)
class PassageText:
    heading: str
    question: str
    text: str


def is_question(text: str) -> bool:
    """A short paragraph or heading that asks something ("How long is shipping?")."""
    text = text.strip()
    if "\n" in text or len(text) > 300:
        return False
    return text.endswith("?") or bool(_QUESTION_PREFIX.match(text))


def _question_text(text: str) -> str:
    return _QUESTION_PREFIX.sub("", text.strip())


def _chunks(paragraphs: list[str]) -> list[str]:
    """Paragraphs grouped into pieces of at most MAX_PASSAGE_CHARS (a longer paragraph is cut
    at sentence ends)."""
    pieces: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph) <= MAX_PASSAGE_CHARS:
            pieces.append(paragraph)
            continue
        sentence_group = ""
        for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
            if sentence_group and len(sentence_group) + len(sentence) + 1 > MAX_PASSAGE_CHARS:
                pieces.append(sentence_group)
                sentence_group = ""
            sentence_group = f"{sentence_group} {sentence}".strip()
            while len(sentence_group) > MAX_PASSAGE_CHARS:
                pieces.append(sentence_group[:MAX_PASSAGE_CHARS])
                sentence_group = sentence_group[MAX_PASSAGE_CHARS:]
        if sentence_group:
            pieces.append(sentence_group)
    chunks, current = [], ""
    for piece in pieces:
        if current and len(current) + len(piece) + 2 > MAX_PASSAGE_CHARS:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def _all_questions(text: str) -> list[str] | None:
    """"Q: Why …?\nQ: My … fail!" — several ways of asking one question, one a line."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) > 1 and all(is_question(line) for line in lines):
        return [_question_text(line) for line in lines]
    return None


def split(blocks: list[Block]) -> list[PassageText]:
    passages: list[PassageText] = []
    headings: list[tuple[int, str]] = []  # the open headings, outermost first
    question = ""
    asked_by_heading = False  # the current question is a heading, not a paragraph
    body: list[str] = []

    def heading_path() -> str:
        return " › ".join(text for _, text in headings)[:500]

    def flush():
        nonlocal question
        for chunk in _chunks(body):
            passages.append(PassageText(heading=heading_path(), question=question[:1000],
                                        text=chunk))
        body.clear()
        question = ""

    def ask(text: str, *, by_heading: bool):
        """A new question; one asked right after another with no answer between them is
        the same question asked another way ("Q: … bad FPU precision?" "Q: … Direct3D.")."""
        nonlocal question, asked_by_heading
        if question and not body:
            question = f"{question} / {text}"
        else:
            flush()
            question = text
        asked_by_heading = by_heading

    for block in blocks:
        if block.is_heading:
            if is_question(block.text):
                # "### How long is shipping?" — the heading is the question of the text below;
                # it ends the headings at its level or deeper ("4.8 I found a bug")
                if body or not question:
                    flush()
                headings[:] = [(level, text) for level, text in headings if level < block.level]
                ask(_question_text(block.text), by_heading=True)
                continue
            flush()
            headings[:] = [(level, text) for level, text in headings if level < block.level]
            headings.append((block.level, block.text))
        elif asked_by_heading and question:
            # Under a question that is a heading, a paragraph asking something is part of the
            # answer ("Did you chown root …? Probably not.").
            body.append(_ANSWER_PREFIX.sub("", block.text, count=1).strip())
        elif is_question(block.text):
            ask(_question_text(block.text), by_heading=False)
        elif (several := _all_questions(block.text)) is not None:
            for text in several:
                ask(text, by_heading=False)
        elif "\n" in block.text and is_question(block.text.split("\n", 1)[0]):
            # "How long is shipping?\nShipping takes 3–5 business days." in one paragraph
            first, rest = block.text.split("\n", 1)
            ask(_question_text(first), by_heading=False)
            body.append(_ANSWER_PREFIX.sub("", rest, count=1).strip())
        else:
            body.append(_ANSWER_PREFIX.sub("", block.text, count=1).strip())
    flush()
    return [passage for passage in passages if passage.text.strip()]

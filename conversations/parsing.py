"""Reading documents: plain text, Markdown, HTML and PDF into headings and paragraphs."""
import io
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from pypdf import PdfReader
from pypdf.errors import PyPdfError

logger = logging.getLogger(__name__)


class UnreadableDocument(ValueError):
    """The upload could not be read as the kind of document it claims to be."""


@dataclass(frozen=True)
class Block:
    """A heading (level 1–6) or a paragraph (level 0) of a document."""

    text: str
    level: int = 0

    @property
    def is_heading(self) -> bool:
        return self.level > 0


_ATX_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT_UNDERLINE = re.compile(r"^(=+|-+)\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_BLOCKQUOTE = re.compile(r"^\s*>\s?")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _plain_markdown(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    for _ in range(2):  # nested emphasis: ***bold italic***
        text = _EMPHASIS.sub(r"\2", text)
    return text.strip()


def _join_lines(lines: list[str]) -> str:
    """A paragraph's lines as one text: wrapped lines join with a space; a list item, and
    the line after a question or a colon, start on a new line."""
    text = ""
    for line in lines:
        if not line:
            continue
        if not text:
            text = line
        elif line.startswith("• ") or text.endswith(("?", ":")):
            text = f"{text}\n{line}"
        else:
            text = f"{text} {line}"
    return text


def _paragraph_blocks(lines: list[str], *, clean=lambda line: line.strip()) -> list[Block]:
    blocks, current = [], []
    for line in [*lines, ""]:
        if line.strip():
            current.append(clean(line))
            continue
        if current:
            blocks.append(Block(_join_lines(current)))
            current = []
    return [block for block in blocks if block.text]


def parse_markdown(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    in_fence = False

    def flush():
        if paragraph:
            blocks.extend(_paragraph_blocks(paragraph, clean=_clean_markdown_line))
            paragraph.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            paragraph.append(line)
            continue
        heading = _ATX_HEADING.match(line)
        if heading:
            flush()
            blocks.append(Block(_plain_markdown(heading.group(2)), len(heading.group(1))))
            continue
        underline = _SETEXT_UNDERLINE.match(line)
        if underline and len(paragraph) == 1 and paragraph[0].strip():
            level = 1 if underline.group(1).startswith("=") else 2
            title = paragraph.pop()
            flush()
            blocks.append(Block(_plain_markdown(title), level))
            continue
        if not line.strip():
            flush()
            continue
        # a list right under a sentence stays with it ("We ship to:\n- France\n- Spain")
        paragraph.append(line)
    flush()
    return blocks


def _clean_markdown_line(line: str) -> str:
    line = _BLOCKQUOTE.sub("", line)
    bullet = "• " if _LIST_MARK.match(line) else ""
    return bullet + _plain_markdown(_LIST_MARK.sub("", line))


def parse_text(text: str) -> list[Block]:
    """Paragraphs are separated by blank lines; a short line on its own, without closing
    punctuation and followed by more text, is taken as a heading."""
    blocks = _paragraph_blocks(text.splitlines())
    result: list[Block] = []
    for index, block in enumerate(blocks):
        single_line = "\n" not in block.text
        looks_like_heading = (
            single_line
            and len(block.text) <= 80
            and not block.text.rstrip().endswith((".", "!", "?", ":", ";", ","))
            and index + 1 < len(blocks)
        )
        result.append(Block(block.text, 2) if looks_like_heading else block)
    return result


class _HTMLBlocks(HTMLParser):
    HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
    BLOCK_TAGS = {
        "p", "div", "li", "dt", "dd", "section", "article", "tr", "blockquote", "pre",
        "ul", "ol", "dl", "table", "main", "header", "footer", "summary", "details", "td", "th",
    }
    SKIPPED = {"script", "style", "noscript", "template", "head", "svg", "nav"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._level = 0
        self._skipping = 0

    def _flush(self):
        text = re.sub(r"[ \t\r\f\v]+", " ", "".join(self._text))
        text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
        if text:
            self.blocks.append(Block(text, self._level))
        self._text, self._level = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self._skipping += 1
        elif tag in self.HEADINGS:
            self._flush()
            self._level = self.HEADINGS[tag]
        elif tag in self.BLOCK_TAGS:
            self._flush()
        elif tag == "br":
            self._text.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self.HEADINGS or tag in self.BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        if not self._skipping:
            self._text.append(data.replace("\n", " "))

    def close(self):
        super().close()
        self._flush()


def parse_html(text: str) -> list[Block]:
    parser = _HTMLBlocks()
    parser.feed(text)
    parser.close()
    return parser.blocks


def pdf_text(data: bytes) -> str:
    """The text of a PDF, page by page. Raises UnreadableDocument for anything that is not a
    readable PDF, including an encrypted one and one with no text (a scan)."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UnreadableDocument("The PDF is password-protected.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableDocument:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            RecursionError, OSError, AssertionError, ZeroDivisionError) as error:
        logger.info("unreadable PDF upload: %s", error.__class__.__name__)
        raise UnreadableDocument("The file is not a readable PDF.") from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text.strip():
        raise UnreadableDocument("The PDF holds no text to read (is it a scan?).")
    return text


PARSERS = {
    "text": parse_text,
    "markdown": parse_markdown,
    "html": parse_html,
    "pdf": parse_text,  # its text is read out first, then treated as plain text
}


def parse(*, source_type: str, content: str) -> list[Block]:
    return PARSERS[source_type](content)

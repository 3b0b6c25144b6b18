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
_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+#.-]*)")
_TOC_MARKER = re.compile(r"^\s*(?:\{:toc\}|\[\[?_?TOC_?\]?\]|\[toc\])\s*$", re.IGNORECASE)
# "4. The function returns an error." or "2.3 How do I upgrade?": a numbered FAQ entry
_NUMBERED_TITLE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*)[.)]?\s+(\S.{1,150})$")
# Real HTML tags only: "brew upgrade <formula>" keeps its placeholder.
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|br|code|del|details|div|em|h[1-6]|hr|i|img|ins|kbd|li|ol|p|pre|s|small|"
    r"span|strong|sub|summary|sup|table|tbody|td|th|thead|tr|u|ul)\b[^>]*>", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)


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
    fence: list[str] | None = None  # the lines of the open code fence, its opening first
    code: list[str] = []  # an indented code block's lines

    def flush():
        if paragraph:
            if any(_TOC_MARKER.match(line) for line in paragraph):  # "* Contents\n{:toc}"
                paragraph.clear()
                return
            numbered = _NUMBERED_TITLE.match(paragraph[0])
            if len(paragraph) == 1 and numbered and _is_entry_title(numbered.group(2)):
                blocks.append(Block(_plain_markdown(paragraph[0]), 0))
            else:
                blocks.extend(_paragraph_blocks(paragraph, clean=_clean_markdown_line))
            paragraph.clear()

    def flush_code():
        if code:
            blocks.append(Block("\n".join(_dedent(code)).strip("\n"), 0))
            code.clear()

    for line in _FRONT_MATTER.sub("", text, count=1).splitlines():
        opening = _FENCE.match(line)
        if fence is not None:
            fence.append(line.strip() if opening and not opening.group(2) else line)
            if opening and not opening.group(2):  # the closing fence
                blocks.append(Block("\n".join(fence), 0))
                fence = None
            continue
        if opening:
            flush()
            flush_code()
            # The fence and its language stay: "```sh" tells the reader what runs where.
            fence = [f"{opening.group(1)}{opening.group(2)}"]
            continue
        if line.startswith(("    ", "\t")) and line.strip() and (code or not paragraph) \
                and not _LIST_MARK.match(line):
            flush()
            code.append(line)
            continue
        if code and not line.strip():
            code.append("")
            continue
        flush_code()
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
    if fence is not None:  # never closed: keep what it holds
        blocks.append(Block("\n".join(fence), 0))
    flush()
    flush_code()
    return _numbered_entries(blocks)


def _dedent(lines: list[str]) -> list[str]:
    lines = [line.expandtabs(4).rstrip() for line in lines]
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return [line[indent:] for line in lines]


def _is_entry_title(title: str) -> bool:
    """"The function returns an error." — a sentence that can head an FAQ entry (not
    "copy lib/config.h to …", a step of a list)."""
    title = title.strip()
    return bool(title) and (title[0].isupper() or title.endswith("?")) and len(title) <= 150


def _numbered_entries(blocks: list[Block]) -> list[Block]:
    """A numbered line on its own with text below it is an FAQ entry, asked or stated: it
    becomes a heading of its own, so its text is a passage instead of the tail of the
    previous answer. Two numbered lines in a row are a list, and stay as they are."""
    result = []
    for position, block in enumerate(blocks):
        numbered = None if block.is_heading or "\n" in block.text \
            else _NUMBERED_TITLE.match(block.text)
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        previous = blocks[position - 1] if position else None
        if (
            numbered and _is_entry_title(numbered.group(2))
            and following is not None and not following.is_heading
            and not _NUMBERED_TITLE.match(following.text.split("\n", 1)[0])
            and not (previous is not None and not previous.is_heading
                     and _NUMBERED_TITLE.match(previous.text.split("\n")[-1]))
        ):
            depth = numbered.group(1).count(".") + 1
            result.append(Block(numbered.group(2).strip(), min(6, 2 + depth)))
        else:
            result.append(block)
    return result


def _clean_markdown_line(line: str) -> str:
    line = _BLOCKQUOTE.sub("", line)
    bullet = "• " if _LIST_MARK.match(line) else ""
    return bullet + _plain_markdown(_LIST_MARK.sub("", line))


def _indent(line: str) -> int:
    line = line.expandtabs(4)
    return len(line) - len(line.lstrip())


def _text_paragraphs(text: str) -> list[list[str]]:
    paragraphs, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    return paragraphs


def _is_step(lines: list[str] | None) -> bool:
    numbered = lines and _NUMBERED_TITLE.match(lines[0])
    return bool(numbered) and "." not in numbered.group(1)


def _looks_like_heading(line: str) -> bool:
    """A short line of words, capitalised, without closing punctuation, that is neither a
    command, a path nor an address."""
    line = line.strip()
    if not line or len(line) > 80 or not (line[0].isupper() or line[0].isdigit()):
        return False
    if line.endswith((".", "!", ":", ";", ",")) or "://" in line or "www." in line:
        return False
    words = line.split()
    wordy = sum(1 for word in words if re.fullmatch(r"[^\W\d_][\w'’()&/-]*[?,]?", word))
    return wordy >= max(1, 0.7 * len(words)) and not re.search(r"(?:^|\s)-{1,2}\w|[=$<>{}\[\]|\\]",
                                                                 line)


def _is_table_of_contents(lines: list[str]) -> bool:
    """Lines that are nearly all numbered titles or questions: a list of what follows."""
    numbered = [_NUMBERED_TITLE.match(line) for line in lines]
    if len(lines) == 2:  # " 2. Running Problems\n  2.1 I found a bug"
        return all(numbered) and any("." in match.group(1) for match in numbered)
    if len(lines) < 3:
        return False
    titles = sum(1 for line, match in zip(lines, numbered, strict=True)
                 if match or line.strip().endswith("?"))
    return titles >= 0.8 * len(lines)


def _is_decoration(lines: list[str]) -> bool:
    """ASCII art and rules: hardly a letter in them."""
    joined = "".join(lines)
    letters = sum(1 for char in joined if char.isalnum())
    return letters < 0.4 * len(joined.replace(" ", "") or "x")


def parse_text(text: str) -> list[Block]:
    """Paragraphs are separated by blank lines. A line on its own is a heading only when it
    looks like one: short, capitalised, no closing punctuation, not a command or an address,
    not indented deeper than the text below it; a numbered line ("2.3 How do I…?",
    "4. The function returns an error.") followed by text is an entry of its own. A list of
    numbered titles (a table of contents) and ASCII art are left out. Text indented deeper
    than the paragraph before it (commands, examples) keeps its lines."""
    paragraphs = [p for p in _text_paragraphs(text)
                  if not _is_table_of_contents(p) and not _is_decoration(p)]
    result: list[Block] = []
    body_indent = None  # the indentation of the last ordinary paragraph
    for position, lines in enumerate(paragraphs):
        indent = min(_indent(line) for line in lines)
        following = paragraphs[position + 1] if position + 1 < len(paragraphs) else None
        next_indent = min(_indent(line) for line in following) if following else None
        if len(lines) == 1 and following is not None:
            line = lines[0].strip()
            numbered = _NUMBERED_TITLE.match(line)
            depth = numbered.group(1).count(".") + 1 if numbered else 0
            # "3.1 curl: (1) SSL is disabled" is an entry, "5. libcurl Issues" a chapter; but
            # "1. copy …" followed by "2. edit …" are the steps of a list
            steps = depth == 1 and not _is_entry_title(numbered.group(2)) and any(
                _is_step(other) for other in (following, paragraphs[position - 1]
                                              if position else None))
            if numbered and not steps and next_indent >= indent:
                result.append(Block(numbered.group(2).strip(), min(6, depth)))
                body_indent = None
                continue
            # "Not all redirects are HTTP ones, see 4.14" right before the next entry is the
            # end of an answer; "FAQ" before "1. Philosophy" is the document's title
            next_number = _NUMBERED_TITLE.match(following[0]) if len(following) == 1 else None
            next_is_title = len(following) == 1 and (
                (next_number and "." in next_number.group(1))
                or following[0].strip().endswith("?"))
            after_heading = bool(result) and result[-1].is_heading  # "Yes" under a question
            if _looks_like_heading(line) and next_indent >= indent and not next_is_title \
                    and not after_heading and (body_indent is None or indent <= body_indent):
                result.append(Block(line, 6))
                continue
        if body_indent is not None and indent > body_indent:
            # an example under the text: its lines as they are
            result.append(Block("\n".join(_dedent(lines)), 0))
            continue
        body_indent = indent if body_indent is None else min(body_indent, indent)
        result.append(Block(_join_lines([line.strip() for line in lines])))
    return result


class _HTMLBlocks(HTMLParser):
    """Headings and paragraphs of a page, without its navigation: <nav>, <aside>, <footer>,
    elements whose id, class or role says navigation, menu, table of contents, breadcrumbs
    or footer, and blocks made only of links (a list of links to the page's own sections,
    a site menu)."""

    HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
    BLOCK_TAGS = {
        "p", "div", "li", "dt", "dd", "section", "article", "tr", "blockquote", "pre",
        "ul", "ol", "dl", "table", "main", "header", "footer", "summary", "details", "td", "th",
    }
    SKIPPED = {"script", "style", "noscript", "template", "head", "svg", "nav", "aside",
               "footer", "button", "form", "select"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}
    _NAVIGATION = re.compile(
        r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|toc|breadcrumbs?|footer|foot|sidebar|"
        r"skip-?link|pagination|site-?header)(?:$|[\s_-])", re.IGNORECASE)

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._linked = 0  # characters of the current block inside links
        self._level = 0
        self._open: list[tuple[str, bool]] = []  # open elements: (tag, skips its content)
        self._links = 0

    @property
    def _skipping(self) -> bool:
        return any(skips for _, skips in self._open)

    def _flush(self):
        raw = "".join(self._text)
        text = re.sub(r"[ \t\r\f\v\xa0]+", " ", raw)
        text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
        letters = len(re.sub(r"\W", "", raw))
        only_links = letters and self._linked >= letters and self._level == 0
        if text and not only_links:
            self.blocks.append(Block(text, self._level))
        self._text, self._level, self._linked = [], 0, 0

    def _skips(self, tag: str, attrs) -> bool:
        if tag in self.SKIPPED:
            return True
        values = dict(attrs)
        marks = " ".join(str(values.get(name) or "") for name in ("id", "class", "role"))
        return bool(self._NAVIGATION.search(marks)) or values.get("aria-hidden") == "true"

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self._text.append("\n")
            return
        if tag in self.VOID:
            return
        skips = self._skips(tag, attrs)
        if skips and not self._skipping:
            self._flush()
        self._open.append((tag, skips))
        if tag == "a":
            self._links += 1
        elif tag in self.HEADINGS:
            self._flush()
            self._level = self.HEADINGS[tag]
        elif tag in self.BLOCK_TAGS:
            self._flush()

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self._text.append("\n")

    def handle_endtag(self, tag):
        if tag in self.VOID or all(open_tag != tag for open_tag, _ in self._open):
            return
        while self._open:  # unclosed elements inside it end with it
            open_tag, _ = self._open.pop()
            if open_tag == "a":
                self._links = max(0, self._links - 1)
            if open_tag == tag:
                break
        if tag in self.HEADINGS or tag in self.BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        if self._skipping:
            return
        self._text.append(data.replace("\n", " "))
        if self._links:
            self._linked += len(re.sub(r"\W", "", data))

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

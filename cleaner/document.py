"""Input -> blocks: decode, tell a text dump from HTML, split a dump into blocks."""

from __future__ import annotations

import re

from .decode import decode
from .model import Block

KINDS = ("text", "html")

# A page is HTML when it opens like one, or when markup is dense in its head.
_HTML_START = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_TAG = re.compile(r"</?(?:html|head|body|div|p|span|a|script|meta|link|table|tr|td|li|ul|article|section|header|footer|nav|h[1-6]|br|img)\b[^>]*>", re.I)
_SNIFF_CHARS = 5000
# a page fragment ("<nav>…</nav><article>…") with no <html>: a dump starting with "<"
# and holding this many tags of HTML's vocabulary is not a dump
_MIN_TAGS = 4


def to_text(x: str | bytes) -> str:
    """The input as text; bytes are decoded (BOM, declared charset, detection)."""
    if isinstance(x, str):
        return x
    if isinstance(x, (bytes, bytearray, memoryview)):
        return decode(bytes(x))
    raise TypeError(f"clean() takes str or bytes, not {type(x).__name__}")


def detect_kind(text: str) -> str:
    """'html' when the text is markup, else 'text' (a page dump)."""
    if _HTML_START.match(text[:_SNIFF_CHARS]):
        return "html"
    head = text[:_SNIFF_CHARS]
    if head.lstrip().startswith("<") and len(_TAG.findall(head)) >= _MIN_TAGS:
        return "html"
    return "text"


def check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} or None, not {kind!r}")


def split_blocks(text: str) -> list[Block]:
    """A dump's blocks: every non-blank line, outer whitespace stripped.

    Blank lines, single newlines and inscriptis-style indentation all come
    down to the same thing: one block per line. The indentation is kept as a
    hint (list items and table cells sit deeper than prose).
    """
    blocks = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        blocks.append(Block(len(blocks), stripped, indent))
    return blocks


def join_blocks(texts) -> str:
    """The output form: blocks joined by one blank line."""
    return "\n\n".join(texts)

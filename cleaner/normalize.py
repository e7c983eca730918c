"""The one normalisation every rule, phrase and fingerprint is compared under."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
})
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC, case-folded, straight quotes, one space, no punctuation at the ends.

    `LEAVE A REPLY`, `Leave a Reply:` and `• Leave a reply` all become
    `leave a reply`.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    text = _SPACE.sub(" ", text)
    return strip_edges(text)


def strip_edges(text: str) -> str:
    """The text without the characters that are neither letters nor digits at its ends.

    A scan from each end, not a pattern: `[\\W_]+$` is tried from every
    position of a long run of marks inside a block, which is quadratic.
    """
    start, end = 0, content_end(text)
    while start < end and not text[start].isalnum():
        start += 1
    return text[start:end]


def content_end(text: str) -> int:
    """Where the marks that close a text (punctuation, spaces, arrows) begin: a scan from the end."""
    end = len(text)
    while end and not text[end - 1].isalnum():
        end -= 1
    return end

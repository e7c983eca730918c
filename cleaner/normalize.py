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
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def normalize(text: str) -> str:
    """NFKC, case-folded, straight quotes, one space, no punctuation at the ends.

    `LEAVE A REPLY`, `Leave a Reply:` and `• Leave a reply` all become
    `leave a reply`.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    text = _SPACE.sub(" ", text)
    return _EDGES.sub("", text)

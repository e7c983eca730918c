"""bytes -> str: BOM first, then a declared charset, then UTF-8, then detection.

A page that is valid UTF-8 is read as UTF-8 even when it declares something
else: declarations on scraped pages are wrong far more often than UTF-8 is.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# <meta charset="x">, <meta http-equiv=... content="...; charset=x">, <?xml encoding="x"?>
_DECLARED = re.compile(
    rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9._:\-]{2,40})""", re.IGNORECASE
)

# Share of replacement characters below which "mostly UTF-8 with a few bad
# bytes" is still read as UTF-8 rather than handed to detection.
_UTF8_BAD_SHARE = 0.01


def decode(data: bytes) -> str:
    """Decode page bytes to text; never raises, invalid bytes become U+FFFD."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared and declared not in ("utf-8", "utf8"):
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= _UTF8_BAD_SHARE * max(len(text), 1):
        return text
    guessed = _detect(data)
    if guessed:
        return guessed
    # cp1252 is the most common single-byte web encoding; undefined bytes -> U+FFFD
    return data.decode("cp1252", errors="replace")


def _declared_charset(data: bytes) -> str | None:
    match = _DECLARED.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _detect(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    best = from_bytes(data[:200_000]).best()
    if best is None:
        return None
    try:
        return data.decode(best.encoding, errors="replace")
    except LookupError:
        return None

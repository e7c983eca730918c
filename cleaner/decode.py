"""bytes -> str: BOM first, then a declared charset, then UTF-8, then detection.

A page that is valid UTF-8 is read as UTF-8 even when it declares something
else: declarations on scraped pages are wrong far more often than UTF-8 is.
A page that is UTF-8 but for a few stray bytes (a Latin-1 or cp1252 snippet
pasted into a UTF-8 template) keeps its UTF-8 and reads the stray bytes as
cp1252, the way browsers read undeclared single-byte text.
"""

from __future__ import annotations

import codecs
import re

# Labels that browsers read as windows-1252 (WHATWG Encoding Standard): a page
# declaring latin-1 or ascii that uses € or curly quotes means cp1252.
_READ_AS_CP1252 = {"iso8859-1", "ascii", "cp1252"}  # codecs.lookup() names
# A declaration of a 16/32-bit encoding found by reading the bytes as ASCII is
# wrong by construction (such a page would not spell its meta tag in ASCII).
_WIDE = ("utf-16", "utf-32")
# Single-byte code pages that agree on most letters tie in detection (French
# "à" is cp1252 0xE0 but cp1250 "ŕ"; Hungarian "ő" is cp1250 0xF5 but cp1252
# "õ"). Among the tied, cp1252 wins when the text reads as a language written
# in it. Chaos (mess) must tie closely; coherence (language fit) is noisy on
# short pages.
_TIE_CHAOS = 0.01
_TIE_COHERENCE = 0.1
_CP1252_LANGUAGES = {
    "English", "French", "German", "Spanish", "Portuguese", "Italian", "Dutch",
    "Swedish", "Danish", "Norwegian", "Finnish", "Icelandic", "Catalan",
    "Indonesian", "Malay", "Basque", "Galician", "Irish", "Welsh", "Afrikaans",
}


def _cp1252_fallback(exc: UnicodeDecodeError):
    """Error handler: bytes that are not UTF-8 are read one by one as cp1252."""
    chunk = exc.object[exc.start:exc.end]
    return chunk.decode("cp1252", errors="replace"), exc.end


codecs.register_error("cleaner-cp1252-fallback", _cp1252_fallback)

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
    if declared and declared != "utf-8" and not declared.startswith(_WIDE):
        for encoding in (("cp1252", "latin_1") if declared in _READ_AS_CP1252 else (declared,)):
            try:
                return data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                pass
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= _UTF8_BAD_SHARE * max(len(text), 1):
        return data.decode("utf-8", errors="cleaner-cp1252-fallback")
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
    matches = list(from_bytes(data[:200_000]))
    if not matches:
        return None
    best = matches[0]
    encoding = best.encoding
    for m in matches:
        if (m.encoding == "cp1252" and m.language in _CP1252_LANGUAGES
                and m.chaos <= best.chaos + _TIE_CHAOS and m.coherence >= best.coherence - _TIE_COHERENCE):
            encoding = "cp1252"
            break
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return None

"""Compressed input: a `.html.gz` / `.txt.gz` read as bytes is cleaned as its content."""

from __future__ import annotations

import zlib

GZIP_MAGIC = b"\x1f\x8b"
# A decompressed page larger than this is cut there: a gzip bomb must not eat memory.
MAX_DECOMPRESSED_BYTES = 64 << 20


def is_gzip(data) -> bool:
    return isinstance(data, (bytes, bytearray, memoryview)) and bytes(data[:2]) == GZIP_MAGIC


def gunzip_if_compressed(data: bytes) -> bytes:
    """The content of gzip bytes; other bytes unchanged.

    A truncated or corrupt stream gives what could be decompressed before the
    damage; nothing decompressible gives b"" (an empty page, never the
    compressed bytes read as text).
    """
    data = bytes(data)
    if not data[:2] == GZIP_MAGIC:
        return data
    out = []
    size = 0
    rest = data
    # concatenated gzip members (what `cat a.gz b.gz` makes) decompress in turn
    while rest[:2] == GZIP_MAGIC and size < MAX_DECOMPRESSED_BYTES:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(rest, MAX_DECOMPRESSED_BYTES - size)
        except zlib.error:
            break
        out.append(chunk)
        size += len(chunk)
        if not d.eof:
            break
        rest = d.unused_data
    return b"".join(out)

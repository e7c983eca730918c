"""JSON Lines input: one page per line, cleaned record by record, streamed.

A scrape often comes as `pages.jsonl` (or `pages.jsonl.gz`): one JSON object a
line holding the page and, often, its URL:

    {"id": "p1", "url": "https://example.com/a", "html": "<html>…"}

Each record's page is read from the first of TEXT_FIELDS it holds (or the one
field named by `--jsonl-field`), its URL from URL_FIELD (`--jsonl-url-field`).
HTML is detected as for files, so an HTML page in any of these fields is
cleaned as HTML. The output is a `.jsonl` with one object per record, in input
order: the record's own fields, plus the cleaner's result under CLEANED_KEY
(text, title, kind, counts, reasons) or, for a record that could not be
cleaned, `{"error": "line N: ..."}` there instead. Blank lines are passed over
(they hold no record).

A bad record is an error for that record only. The file's report row is `ok`
when its lines were read, and counts `records` and `records_failed`; a file
that has records of which none could be cleaned (not JSON Lines at all, or the
page field named wrongly) is a failed row and writes no output. A file that
cannot be read or decompressed, or is binary, is a failed row as for any page.

Memory stays flat whatever the file size: records are read one line at a
time, and each cleaned record is written at once into the temp file that is
renamed over the output when the file is done (a run stopped midway leaves no
half output).
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import time
import zlib
from dataclasses import dataclass
from typing import Callable, Iterator, NamedTuple

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
OUTPUT_SUFFIX = ".jsonl"
# Where a record's page is looked for, in this order, when no field is named.
TEXT_FIELDS = ("text", "html", "content", "raw")
URL_FIELD = "url"
# A record's identifier, quoted in its error messages when present.
ID_FIELD = "id"
CLEANED_KEY = "cleaned"

# One record is one page: a line longer than this (a page is a few kilobytes)
# is refused rather than held in memory. Same bound as for a page file.
MAX_RECORD_BYTES = 64 << 20
# Read size while skipping the rest of an over-long line.
_SKIP_CHUNK = 1 << 20
_UTF8_BOM = codecs.BOM_UTF8
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def is_jsonl(name: str) -> bool:
    return name.lower().endswith(JSONL_SUFFIXES)


def output_name(name: str) -> str:
    """`x.jsonl` -> `x.jsonl`, `x.jsonl.gz` -> `x.jsonl` (outputs are never compressed)."""
    lower = name.lower()
    for suffix in sorted(JSONL_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)] + OUTPUT_SUFFIX
    return name + OUTPUT_SUFFIX


@dataclass(frozen=True, slots=True)
class Fields:
    """Which record fields hold the page and its URL."""

    text: str | None = None  # None: the first of TEXT_FIELDS a record holds
    url: str = URL_FIELD


class Record(NamedTuple):
    """One line of a JSONL file: its object and page, or why it has none."""

    line: int
    obj: dict | None  # the parsed object (None when the line is not an object)
    text: str | None
    url: str | None
    error: str | None  # "line N: ..." when the record cannot be cleaned


# ---------------------------------------------------------------- reading


def open_binary(path: str, opener: Callable = open):
    """The file's bytes as a stream, gunzipped when the name ends in .gz."""
    f = opener(path, "rb")
    if path.lower().endswith(".gz"):
        return _GzipClosingSource(fileobj=f, mode="rb")
    return f


class _GzipClosingSource(gzip.GzipFile):
    """A GzipFile that also closes the file it reads (GzipFile leaves a passed-in one open)."""

    def close(self) -> None:
        source = self.fileobj
        try:
            super().close()
        finally:
            if source is not None:
                source.close()


def check_head(head: bytes, name: str) -> None:
    """InputError when the first bytes show the file is no UTF-8 JSON Lines text."""
    from .batch import InputError, is_binary

    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            raise InputError(f"{name}: JSON Lines must be UTF-8, this file is {encoding} (byte order mark)")
    if is_binary(head):
        raise InputError(f"{name}: binary file (NUL or control bytes), not JSON Lines text")


def sniff(path: str, name: str, opener: Callable = open) -> None:
    """Open the file and check its head: InputError naming the file when it is unusable."""
    from .batch import SNIFF_BYTES, InputError

    try:
        with open_binary(path, opener) as f:
            head = f.read(SNIFF_BYTES)
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, not a file") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{name}: not a valid gzip file: {exc}") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    check_head(head, name)


def raw_lines(f) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for every line; bytes None for a line over MAX_RECORD_BYTES."""
    number = 0
    while True:
        line = f.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        number += 1
        if number == 1 and line.startswith(_UTF8_BOM):
            line = line[len(_UTF8_BOM):]
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            while True:  # skip the rest of the line without holding it
                rest = f.readline(_SKIP_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, line


def parse_record(number: int, line: bytes | None, fields: Fields = Fields()) -> Record | None:
    """The record of one line, None for a blank line; never raises."""
    where = f"line {number}"
    if line is None:
        return Record(number, None, None, None, f"{where}: longer than {MAX_RECORD_BYTES >> 20} MiB, not one page")
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Record(number, None, None, None, f"{where}: not valid UTF-8 (byte {exc.start + 1}); JSON Lines are UTF-8")
    if not decoded.strip():
        return None
    try:
        obj = json.loads(decoded.rstrip("\r\n"))  # the newline is no part of the record
    except ValueError as exc:
        return Record(number, None, None, None, f"{where}: not JSON: {exc}")
    if not isinstance(obj, dict):
        return Record(number, None, None, None, f"{where}: a JSON {_type_name(obj)}, not an object")
    ident = obj.get(ID_FIELD)
    if isinstance(ident, (str, int)) and not isinstance(ident, bool):
        where += f" (id {ident!r})"
    url = obj.get(fields.url)
    url = url.strip() or None if isinstance(url, str) else None
    names = (fields.text,) if fields.text else TEXT_FIELDS
    name = next((n for n in names if obj.get(n) is not None), None)
    if name is None:
        quoted = [f'"{n}"' for n in names]
        wanted = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        hint = "" if fields.text else "; --jsonl-field NAME names another"
        return Record(number, obj, None, url, f"{where}: no {wanted} field{hint}")
    text = obj[name]
    if not isinstance(text, str):
        return Record(number, obj, None, url, f'{where}: field "{name}" is a {_type_name(text)}, not a string')
    return Record(number, obj, text, url, None)


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {dict: "object", list: "array", str: "string"}.get(type(value), "null")


def iter_records(f, fields: Fields = Fields()) -> Iterator[Record]:
    """The records of an open binary JSONL stream, one at a time (blank lines passed over)."""
    for number, line in raw_lines(f):
        record = parse_record(number, line, fields)
        if record is not None:
            yield record


def iter_pages(path: str, fields: Fields = Fields(), opener: Callable = open) -> Iterator[tuple[str, str, str | None]]:
    """(`path:line`, page text, url or None) for each record holding a page; others passed over.

    For learning templates: a file that cannot be read yields nothing, a file
    that breaks midway yields the records before the break.
    """
    from .batch import InputError

    try:
        sniff(path, path, opener)
        with open_binary(path, opener) as f:
            for record in iter_records(f, fields):
                if record.error is None:
                    yield f"{path}:{record.line}", record.text, record.url
    except (InputError, OSError, EOFError, zlib.error):
        return


# ---------------------------------------------------------------- cleaning


def clean_record(record: Record, *, kind=None, rulesets=None, templates=None) -> dict:
    """The output object of one record: its fields plus CLEANED_KEY. Never raises."""
    from .api import clean_document
    from .batch import count_document

    out = dict(record.obj) if record.obj is not None else {}
    if record.error is not None:
        out[CLEANED_KEY] = {"error": record.error}
        return out
    try:
        doc = clean_document(record.text, url=record.url, kind=kind, rules=rulesets, templates=templates)
    except Exception as exc:  # a pathological page: this record's error, not the file's
        out[CLEANED_KEY] = {"error": f"line {record.line}: {type(exc).__name__}: {exc}"}
        return out
    counts = count_document(doc)
    out[CLEANED_KEY] = {"text": doc.text, "title": doc.title, **counts}
    return out


def dump_line(obj: dict) -> bytes:
    """One output line, UTF-8. A lone surrogate (a `\\ud800` escape in the input) cannot be
    UTF-8: such a record is written with ASCII escapes, so its text survives unchanged."""
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(obj, ensure_ascii=True) + "\n").encode("ascii")


class Stopped(Exception):
    """The run was stopped while this file was being cleaned: its output is not written."""


class Totals:
    """The report-row counts of one file, summed over its records."""

    def __init__(self) -> None:
        self.records = self.failed = 0
        self.blocks_kept = self.blocks_removed = self.chars_kept = self.chars_removed = 0
        self.reasons: dict[str, int] = {}
        self.first_error: str | None = None

    def add(self, cleaned: dict) -> None:
        self.records += 1
        if "error" in cleaned:
            self.failed += 1
            self.first_error = self.first_error or cleaned["error"]
            return
        self.blocks_kept += cleaned["blocks_kept"]
        self.blocks_removed += cleaned["blocks_removed"]
        self.chars_kept += cleaned["chars_kept"]
        self.chars_removed += cleaned["chars_removed"]
        for rule, n in cleaned["reasons"].items():
            self.reasons[rule] = self.reasons.get(rule, 0) + n

    def row_fields(self) -> dict:
        return {
            "kind": "jsonl",
            "blocks_kept": self.blocks_kept,
            "blocks_removed": self.blocks_removed,
            "chars_kept": self.chars_kept,
            "chars_removed": self.chars_removed,
            "reasons": dict(sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            "records": self.records,
            "records_failed": self.failed,
        }

    def all_failed(self) -> bool:
        return self.records > 0 and self.failed == self.records


def clean_stream(f_in, write: Callable[[bytes], object], options) -> Totals:
    """Clean every record of an open JSONL stream, writing each output line as it is made."""
    from .batch import _rulesets, stop_requested
    from .templates import resolve_templates

    fields = Fields(options.jsonl_field, options.jsonl_url_field)
    rulesets = _rulesets(options.rules)
    templates = resolve_templates(options.templates) if options.templates else None
    totals = Totals()
    for record in iter_records(f_in, fields):
        if stop_requested():
            raise Stopped
        out = clean_record(record, kind=options.kind, rulesets=rulesets, templates=templates)
        totals.add(out[CLEANED_KEY])
        write(dump_line(out))
    return totals


class LocalFiles:
    """Where process_jsonl reads and writes: local paths, a temp file beside the output
    renamed over it. The Dask engine gives an fsspec equivalent (same methods)."""

    def __init__(self, in_path: str, out_path: str):
        self.in_path, self.out_path = in_path, out_path
        self._tmp: str | None = None

    def up_to_date(self) -> bool:
        from .batch import up_to_date

        return up_to_date(self.in_path, self.out_path)

    def opener(self, path: str, mode: str):
        return open(path, mode)

    def open_temp(self):
        from .batch import temp_beside

        folder = os.path.dirname(self.out_path) or "."
        os.makedirs(folder, exist_ok=True)
        fd, self._tmp = temp_beside(self.out_path)
        return os.fdopen(fd, "wb")

    def commit(self) -> None:
        os.replace(self._tmp, self.out_path)
        self._tmp = None

    def discard(self) -> None:
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
            self._tmp = None


def process_jsonl(in_path: str, out_path: str, options, files=None) -> dict:
    """`batch.process_file` for a JSONL file: clean it into out_path atomically; the row. Never raises.

    files: where to read and write (LocalFiles by default).
    """
    from .batch import FAILED, OK, SKIPPED, InputError, OutputError, new_row

    started = time.perf_counter()
    row = new_row(in_path, out_path)
    files = files or LocalFiles(in_path, out_path)
    try:
        if not options.force and files.up_to_date():
            row.update(status=SKIPPED, note="up to date (output newer than input; --force redoes it)")
            return row
        sniff(files.in_path, in_path, files.opener)
        try:
            out = files.open_temp()
        except OSError as exc:
            raise OutputError(f"{out_path}: cannot write output ({getattr(exc, 'filename', None) or out_path}): "
                              f"{exc.strerror or exc}") from None
        try:
            f_in = open_binary(files.in_path, files.opener)
        except OSError as exc:
            out.close()
            raise InputError(f"{in_path}: cannot read: {exc.strerror or exc}") from None
        with out, f_in:
            totals = _clean_into(f_in, out, in_path, out_path, options)
        row.update(totals.row_fields())
        if totals.all_failed():
            row.update(status=FAILED, error=_none_cleaned(in_path, totals))
            return row
        try:
            files.commit()
        except OSError as exc:
            raise OutputError(f"{out_path}: cannot write output: {exc.strerror or exc}") from None
        row["status"] = OK
        if totals.failed:
            row["note"] = _some_failed(totals)
    except (InputError, OutputError) as exc:
        row.update(status=FAILED, error=str(exc))
    except Stopped:
        row.update(status=FAILED, error=f"{in_path}: the run was stopped midway; no output written")
    except Exception as exc:  # a bug: a row, not a dead run
        row.update(status=FAILED, error=f"{in_path}: {type(exc).__name__}: {exc}")
    finally:
        files.discard()
        row["seconds"] = round(time.perf_counter() - started, 4)
    return row


def _clean_into(f_in, out, in_name: str, out_name: str, options) -> Totals:
    """clean_stream with read and write failures told apart (InputError / OutputError)."""
    from .batch import InputError, OutputError

    def write(data: bytes) -> None:
        try:
            out.write(data)
        except OSError as exc:
            raise OutputError(f"{out_name}: cannot write output: {exc.strerror or exc}") from None

    try:
        totals = clean_stream(f_in, write, options)
    except OutputError:
        raise
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{in_name}: not a valid gzip file (broken midway): {exc}") from None
    except OSError as exc:  # writes raise OutputError above: this is the input
        raise InputError(f"{in_name}: cannot read: {exc.strerror or exc}") from None
    try:
        out.flush()
    except OSError as exc:
        raise OutputError(f"{out_name}: cannot write output: {exc.strerror or exc}") from None
    return totals


def _none_cleaned(name: str, totals: Totals) -> str:
    return (f"{name}: none of its {totals.records} records could be cleaned, so no output was "
            f"written (first: {totals.first_error})")


def _some_failed(totals: Totals) -> str:
    return (f"{totals.failed} of {totals.records} records could not be cleaned: their output lines carry "
            f'"{CLEANED_KEY}": {{"error": ...}} (first: {totals.first_error})')

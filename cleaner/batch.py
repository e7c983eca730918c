"""Folder runs: find the pages, clean each one in a worker, write atomically, report.

The per-file unit is a plain function any engine can call:

    options = BatchOptions(rules=("my_rules/",))
    for item in plan("dumps/", "out/"):          # streamed, never a full list
        row = process_item(item, options)        # a report row (dict), never raises

`process_file(in_path, out_path, options)` is the same for one known pair.
`run_batch` is the local engine: a process pool fed a bounded number of
chunks at a time, every worker result read back (a failure is a row, never a
silent loss), rows written as they come.

Output names: the page suffix (`.txt`, `.html`, `.htm`, optionally followed by
`.gz`, or a bare `.gz`) is replaced by `.txt`, so `a/x.html.gz` -> `a/x.txt`;
any other name gets `.txt` appended (`x.dump` -> `x.dump.txt`). When several
inputs of one folder would make the same output (`x.txt` and `x.html.gz`), the
one whose suffix comes first in `SUFFIX_PREFERENCE` is cleaned (the text dump)
and the others are skipped rows naming it.

JSON Lines files (`.jsonl`, `.jsonl.gz`) hold one page per line: their output
is `x.jsonl`, one object per record with the cleaned result added (see jsonl.py).
"""

from __future__ import annotations

import errno
import fnmatch
import gzip
import multiprocessing
import os
import signal
import stat
import sys
import time
import zlib
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Iterator, NamedTuple

DEFAULT_GLOBS = ("*.txt", "*.html", "*.htm", "*.html.gz", "*.jsonl", "*.jsonl.gz")
# Suffixes replaced by `.txt` in output names (`.jsonl` by `.jsonl`), in order of
# preference when two inputs of one folder map to the same output: the text dump
# wins over HTML, the plain file over its gzip.
SUFFIX_PREFERENCE = (".txt", ".html", ".htm", ".txt.gz", ".html.gz", ".htm.gz", ".jsonl", ".jsonl.gz", ".gz")

# A page dump is a few kilobytes; anything past this (after decompression) is
# not a page, and reading it whole would starve the other workers.
MAX_INPUT_BYTES = 64 << 20
# Binary rule (as git and grep decide): a NUL byte in the first 8 KiB, or more
# than 30% of them control characters other than tab/newline/CR/FF, means the
# file is not text. UTF-16/32 files carry a BOM and are exempt from the NUL test.
SNIFF_BYTES = 8192
MAX_CONTROL_SHARE = 0.30
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")
_UNICODE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")
# Decoded text that is more than this share U+FFFD was not text in any encoding.
MAX_REPLACEMENT_SHARE = 0.30

# Temp files live beside their output (same file system, so os.replace is
# atomic) and carry this suffix; a run removes any a killed run left behind.
TEMP_SUFFIX = ".cleaner-tmp"

# Work handed to the pool: items per chunk, and chunks in flight per worker.
# Bounded so memory stays flat however many files the plan yields.
CHUNK_SIZE = 8
CHUNKS_IN_FLIGHT_PER_WORKER = 4

OK, SKIPPED, FAILED = "ok", "skipped", "failed"


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """What every file of a run is cleaned with. Frozen and picklable."""

    rules: tuple[str, ...] = ()  # user rule files or folders, added to the built-in sets
    kind: str | None = None  # "text" / "html" to override detection
    templates: str | None = None  # learned site templates file
    force: bool = False  # redo outputs that are already up to date
    jsonl_field: str | None = None  # JSONL: the field holding the page (None: text, html, content, raw)
    jsonl_url_field: str = "url"  # JSONL: the field holding the page's URL


class Planned(NamedTuple):
    """One input found by `plan`: its output path, or why it is not cleaned."""

    in_path: str
    out_path: str | None
    status: str | None = None  # None: to clean; SKIPPED / FAILED: decided already
    message: str | None = None


class UsageError(ValueError):
    """Arguments that make a run impossible (exit code 2)."""


# ---------------------------------------------------------------- planning


def output_name(name: str) -> str:
    """`x.html.gz` -> `x.txt`, `x.txt` -> `x.txt`, `x.dump` -> `x.dump.txt`, `x.jsonl.gz` -> `x.jsonl`."""
    from . import jsonl

    if jsonl.is_jsonl(name):
        return jsonl.output_name(name)
    suffix = _page_suffix(name)
    if suffix and len(name) > len(suffix):
        return name[: -len(suffix)] + ".txt"
    return name + ".txt"


def _page_suffix(name: str) -> str | None:
    lower = name.lower()
    return max((s for s in SUFFIX_PREFERENCE if lower.endswith(s)), key=len, default=None)


def _preference(name: str) -> int:
    suffix = _page_suffix(name)
    return SUFFIX_PREFERENCE.index(suffix) if suffix else len(SUFFIX_PREFERENCE)


def _matches(name: str, globs) -> bool:
    # case-insensitive: X.HTML is as much a page as x.html
    lower = name.lower()
    return any(fnmatch.fnmatchcase(lower, g.lower()) for g in globs)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def check_dirs(in_dir: str, out_dir: str) -> None:
    """Raise UsageError when IN_DIR is missing or the two folders overlap."""
    if not os.path.isdir(in_dir):
        raise UsageError(f"{in_dir}: input folder does not exist or is not a folder")
    real_in = os.path.realpath(in_dir)
    real_out = os.path.realpath(out_dir)
    if _inside(real_out, real_in):
        raise UsageError(
            f"{out_dir}: the output folder must not be the input folder or inside it ({in_dir}); "
            "the input is never written to"
        )
    if _inside(real_in, real_out):
        raise UsageError(
            f"{out_dir}: the output folder must not contain the input folder ({in_dir}): "
            "mirrored outputs could land among the inputs"
        )
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise UsageError(f"{out_dir}: output path exists and is not a folder")


def plan(in_dir: str, out_dir: str, globs=DEFAULT_GLOBS) -> Iterator[Planned]:
    """Every matching file under in_dir with its mirrored output path, streamed.

    Folders are read one at a time, sorted, depth first. Symlinks are followed
    only to files inside in_dir; symlinked folders are not walked (their target
    is either walked already or outside). Non-regular files (FIFOs, devices)
    are failed rows: reading them could block or never end.
    """
    globs = tuple(globs) or DEFAULT_GLOBS
    root = os.path.realpath(in_dir)
    stack = [(in_dir, out_dir)]
    while stack:
        src, dst = stack.pop()
        try:
            with os.scandir(src) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield Planned(src, None, FAILED, f"{src}: cannot list folder: {exc.strerror or exc}")
            continue
        subdirs = []
        files: dict[str, list[os.DirEntry]] = {}
        for entry in entries:
            item = _classify(entry, root, globs)
            if item == "dir":
                subdirs.append((entry.path, os.path.join(dst, entry.name)))
            elif item == "file":
                files.setdefault(output_name(entry.name), []).append(entry)
            elif item is not None:
                yield item
        for out_name in sorted(files):
            group = sorted(files[out_name], key=lambda e: (_preference(e.name), e.name))
            out_path = os.path.join(dst, out_name)
            yield Planned(group[0].path, out_path)
            for other in group[1:]:
                yield Planned(
                    other.path, None, SKIPPED,
                    f"same output {out_path} as {group[0].name} (one output per name; "
                    f"{', '.join(SUFFIX_PREFERENCE)} in that order of preference)",
                )
        stack.extend(reversed(subdirs))


def _classify(entry: os.DirEntry, root: str, globs):
    """'dir', 'file', None (ignore), or a Planned row saying why it is not cleaned."""
    try:
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if entry.is_dir():
                if not _inside(target, root):
                    return Planned(entry.path, None, SKIPPED, f"symlinked folder leads out of the input folder (to {target}): not followed")
                return Planned(entry.path, None, SKIPPED, "symlinked folder: not walked (its target is inside the input folder and walked itself)")
            if not _matches(entry.name, globs):
                return None
            if not os.path.exists(target):
                return Planned(entry.path, None, FAILED, f"{entry.path}: broken symlink (to {target})")
            if not _inside(target, root):
                return Planned(entry.path, None, SKIPPED, f"symlink leads out of the input folder (to {target}): not followed")
            return "file" if entry.is_file() else _not_regular(entry)
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        if not _matches(entry.name, globs):
            return None
        if entry.is_file(follow_symlinks=False):
            return "file"
        return _not_regular(entry)
    except OSError as exc:
        return Planned(entry.path, None, FAILED, f"{entry.path}: cannot examine: {exc.strerror or exc}")


def _not_regular(entry: os.DirEntry) -> Planned:
    return Planned(entry.path, None, FAILED, f"{entry.path}: not a regular file (FIFO, socket or device)")


# ---------------------------------------------------------------- one file


class InputError(Exception):
    """A file that cannot be cleaned: the message names the file and the problem."""


def read_input(path: str) -> bytes:
    """A page's bytes, gunzipped when the name ends in .gz; InputError if it is not a text page."""
    try:
        with open(path, "rb") as f:
            if path.lower().endswith(".gz"):
                data = _gunzip(f, path)
            else:
                data = f.read(MAX_INPUT_BYTES + 1)
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return check_page(data, path)


def check_page(data: bytes, name: str) -> bytes:
    """The bytes read from `name`, or InputError when they are no text page to clean."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{name}: too large for a page (over {MAX_INPUT_BYTES >> 20} MiB)")
    if is_binary(data):
        raise InputError(f"{name}: binary file (NUL or control bytes), not a text page")
    return data


def _gunzip(f, path: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=f) as gz:
            return gz.read(MAX_INPUT_BYTES + 1)  # bounded: a gzip bomb stops here
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: not a valid gzip file: {exc}") from None


def is_binary(data: bytes) -> bool:
    head = data[:SNIFF_BYTES]
    if not head or head.startswith(_UNICODE_BOMS):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if (b < 32 or b == 127) and b not in _TEXT_CONTROLS)
    return controls > MAX_CONTROL_SHARE * len(head)


def decode_input(data: bytes, path: str) -> str:
    from .decode import decode

    text = decode(data)
    if text and text.count("\ufffd") > MAX_REPLACEMENT_SHARE * len(text):
        raise InputError(f"{path}: cannot decode: most characters are invalid in any encoding")
    return text


_RULESETS: dict[tuple[str, ...], object] = {}


def _rulesets(rules: tuple[str, ...]):
    """Built-in plus user rule sets, loaded once per process (a failure too: not once per file)."""
    from .api import resolve_rulesets
    from .rules import RuleError

    loaded = _RULESETS.get(rules)
    if loaded is None:
        try:
            loaded = resolve_rulesets(list(rules) if rules else None)
        except RuleError as exc:
            loaded = exc
        _RULESETS[rules] = loaded
    if isinstance(loaded, RuleError):
        raise loaded
    return loaded


def check_rules(options: BatchOptions) -> None:
    """Load the run's rule sets once, up front: UsageError listing `file:line: problem`.

    In the parent this also warms the cache that forked workers inherit.
    """
    from .rules import RuleError

    try:
        _rulesets(options.rules)
    except RuleError as exc:
        raise UsageError("invalid rule files:\n" + "\n".join(exc.problems)) from None


def up_to_date(in_path: str, out_path: str) -> bool:
    """The output is a file at least as new as the input."""
    try:
        out = os.stat(out_path)
        return stat.S_ISREG(out.st_mode) and out.st_mtime_ns >= os.stat(in_path).st_mtime_ns
    except OSError:
        return False


def process_file(in_path: str, out_path: str, options: BatchOptions = BatchOptions()) -> dict:
    """Clean one file into out_path (atomically); return its report row. Never raises."""
    from . import jsonl

    if jsonl.is_jsonl(in_path):
        return jsonl.process_jsonl(in_path, out_path, options)
    started = time.perf_counter()
    row = new_row(in_path, out_path)
    try:
        if not options.force and up_to_date(in_path, out_path):
            row.update(status=SKIPPED, note="up to date (output newer than input; --force redoes it)")
            return row
        from .api import clean_document

        text = decode_input(read_input(in_path), in_path)
        doc = clean_document(text, kind=options.kind, rules=_rulesets(options.rules), **_extra(options))
        row.update(count_document(doc))
        write_atomic(out_path, doc.text + "\n" if doc.text else "")
        row["status"] = OK
    except InputError as exc:
        row.update(status=FAILED, error=str(exc))
    except OutputError as exc:
        row.update(status=FAILED, error=str(exc))
    except Exception as exc:  # a bug or a pathological page: a row, not a dead run
        row.update(status=FAILED, error=f"{in_path}: {type(exc).__name__}: {exc}")
    finally:
        row["seconds"] = round(time.perf_counter() - started, 4)
    return row


def _extra(options: BatchOptions) -> dict:
    return {"templates": options.templates} if options.templates else {}


def process_item(item: Planned, options: BatchOptions = BatchOptions()) -> dict:
    """A planned item's report row: cleaned now, or the row plan() decided."""
    if item.status is None:
        return process_file(item.in_path, item.out_path, options)
    row = new_row(item.in_path, item.out_path)
    row["status"] = item.status
    row["error" if item.status == FAILED else "note"] = item.message
    return row


def new_row(in_path: str, out_path: str | None) -> dict:
    return {
        "path": in_path,
        "output": out_path,
        "status": None,
        "kind": None,
        "blocks_kept": 0,
        "blocks_removed": 0,
        "chars_kept": 0,
        "chars_removed": 0,
        "reasons": {},
        "error": None,
        "note": None,
    }


def count_document(doc) -> dict:
    reasons: dict[str, int] = {}
    for r in doc.removed:
        reasons[r.rule] = reasons.get(r.rule, 0) + 1
    return {
        "kind": doc.kind,
        "blocks_kept": len(doc.kept),
        "blocks_removed": len(doc.removed),
        "chars_kept": sum(len(b.text) for b in doc.kept),
        "chars_removed": sum(len(r.text) for r in doc.removed),
        "reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


class OutputError(Exception):
    """The output could not be written: the message names the path and the OS error."""


def temp_beside(path: str) -> tuple[int, str]:
    """A new temp file beside path (fd, name), with the permissions a plain
    open() would give the output: created with mode 0666 and the process's
    umask applied by the system (mkstemp would make it owner-only, 0600)."""
    folder = os.path.dirname(path) or "."
    prefix = os.path.join(folder, "." + os.path.basename(path) + ".")
    for _ in range(100):
        tmp = prefix + os.urandom(6).hex() + TEMP_SUFFIX
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", prefix + "*" + TEMP_SUFFIX)


def write_atomic(path: str, text: str) -> None:
    """Write to a temp file beside path, then rename over it: never a half file."""
    folder = os.path.dirname(path) or "."
    tmp = None
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = temp_beside(path)
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8", errors="replace"))
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        where = exc.filename or path
        raise OutputError(f"{path}: cannot write output ({where}): {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def remove_leftover_temps(out_dir: str) -> int:
    """Delete temp files a killed run left under out_dir; return how many."""
    removed = 0
    for folder, _dirs, names in os.walk(out_dir):
        for name in names:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                try:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
                except OSError:
                    pass
    return removed


# ---------------------------------------------------------------- the local engine


# Set in a pool worker: the Event its parent sets when the run stops early.
_STOP = None


def _worker_init(stop=None) -> None:
    # Ctrl-C goes to the whole process group; the parent decides what happens,
    # a worker finishes (or loses) its current file atomically either way.
    global _STOP
    _STOP = stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()


def stop_requested() -> bool:
    """The run this worker serves was stopped (Ctrl-C, SIGTERM): a long file (a big JSONL,
    checked between records) gives up at once instead of keeping the parent waiting."""
    return _STOP is not None and _STOP.is_set()


def _die_with_parent() -> None:
    """A worker whose parent was killed (SIGKILL, OOM) must not live on, blocked on its queue."""
    parent = os.getppid()
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0 and os.getppid() == parent:
            return
    except (OSError, AttributeError):  # not Linux: watch the parent instead
        pass
    import threading

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _process_chunk(items: list[Planned], options: BatchOptions) -> list[dict]:
    return [process_item(item, options) for item in items]


def _chunks(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _lost_rows(chunk: list[Planned], message: str) -> list[dict]:
    rows = []
    for item in chunk:
        row = process_item(item._replace(status=FAILED, message=f"{item.in_path}: {message}"))
        rows.append(row)
    return rows


def run_rows(items, options: BatchOptions, jobs: int = 1) -> Iterator[dict]:
    """Report rows for planned items, in completion order.

    jobs == 1 runs in this process. Otherwise a process pool gets at most
    jobs * CHUNKS_IN_FLIGHT_PER_WORKER chunks at a time, so neither the plan
    nor the rows pile up in memory. A worker that dies (killed, out of memory)
    breaks the pool: the files it had in flight become failed rows and a new
    pool takes the rest.
    """
    if jobs <= 1:
        for item in items:
            yield process_item(item, options)
        return
    chunks = _chunks((i for i in items), CHUNK_SIZE)
    limit = jobs * CHUNKS_IN_FLIGHT_PER_WORKER
    stop = multiprocessing.Event()
    pool = _new_pool(jobs, stop)
    pending: dict = {}
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                # rows already decided by plan() need no worker
                todo = [i for i in chunk if i.status is None]
                for item in chunk:
                    if item.status is not None:
                        yield process_item(item, options)
                if todo:
                    try:
                        pending[pool.submit(_process_chunk, todo, options)] = todo
                    except BrokenProcessPool:
                        pool = _restart(pool, jobs, stop)
                        pending[pool.submit(_process_chunk, todo, options)] = todo
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                chunk = pending.pop(future)
                try:
                    rows = future.result()
                except BrokenProcessPool:
                    broken = True
                    rows = _lost_rows(chunk, "worker process died (killed or out of memory) while cleaning this file or one beside it")
                except Exception as exc:  # e.g. a row that would not pickle
                    rows = _lost_rows(chunk, f"worker error: {type(exc).__name__}: {exc}")
                yield from rows
            if broken:
                for future, chunk in list(pending.items()):
                    pending.pop(future)
                    yield from _lost_rows(chunk, "worker pool broke (a worker died) while this file was in flight")
                pool = _restart(pool, jobs, stop)
    finally:
        stop.set()  # nothing is pending after a full run; after a stopped one, workers give up
        pool.shutdown(wait=True, cancel_futures=True)


def _new_pool(jobs: int, stop) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(stop,))


def _restart(pool: ProcessPoolExecutor, jobs: int, stop) -> ProcessPoolExecutor:
    pool.shutdown(wait=False, cancel_futures=True)
    return _new_pool(jobs, stop)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def count_planned(in_dir: str, globs=DEFAULT_GLOBS) -> int:
    """How many items plan() will yield (a cheap walk, for the progress bar's total)."""
    return sum(1 for _ in plan(in_dir, in_dir, globs))


def run_batch(
    in_dir: str,
    out_dir: str,
    options: BatchOptions = BatchOptions(),
    *,
    jobs: int | None = None,
    globs=DEFAULT_GLOBS,
    report_path: str | None = None,
    progress: bool = False,
):
    """Clean a folder tree into out_dir; return the Summary. UsageError on bad folders."""
    from .report import ReportWriter, consume

    check_dirs(in_dir, out_dir)
    check_rules(options)
    if report_path and _inside(os.path.realpath(report_path), os.path.realpath(in_dir)):
        raise UsageError(f"{report_path}: the report must not be written inside the input folder ({in_dir})")
    jobs = jobs or default_jobs()
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot create output folder: {exc.strerror or exc}") from None
    remove_leftover_temps(out_dir)
    try:
        writer = ReportWriter(report_path) if report_path else None
    except OSError as exc:
        raise UsageError(f"{report_path}: cannot write the report: {exc.strerror or exc}") from None
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=count_planned(in_dir, globs), unit="file", dynamic_ncols=True, file=sys.stderr)
    try:
        summary = consume(run_rows(plan(in_dir, out_dir, globs), options, jobs), writer, bar)
    finally:
        if bar:
            bar.close()
        if writer:
            writer.close()
    return summary

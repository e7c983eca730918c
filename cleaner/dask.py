"""The Dask engine: the same per-file cleaning as `cleaner batch`, on a Dask cluster.

    cleaner batch IN OUT --engine dask -j 4             # a LocalCluster of 4 worker processes
    cleaner batch IN OUT --scheduler tcp://host:8786    # an existing dask.distributed cluster

Files are cut into partitions (PARTITION_SIZE files per task, so the
scheduler's cost per task is spread over many pages) and submitted in waves: at
most IN_FLIGHT_PER_WORKER partitions per worker are pending at once, so the
plan is streamed and no graph of the whole corpus is ever built. Each task
runs `batch.process_item` on its files (local paths shared by the workers) or
`process_url` (fsspec URLs such as `file://`, `s3://`); the rows, outputs and
summary are those of the local engine. Rows are written in completion order.
A JSONL file is one item: its records are streamed on one worker (`FsFiles`
gives jsonl.py the fsspec reads and writes for URLs).

A worker lost mid-task has its partition rerun by Dask on another worker. The
rerun rewrites the same outputs (atomic writes, same bytes) and reports them
as cleaned, not as "up to date": an output written after the run began is
redone rather than skipped.

Learned site templates are learned on the client (one streamed pass over the
input, as for the local engine), then their text is broadcast to every worker
once, which writes it to a file of its own: workers need not see the client's
temp folder.

For people who already use Dask: `clean_bag(bag)` and `clean_dataframe(df)`.

This module is named `cleaner.dask`; `import dask` below is an absolute import
of the real Dask (Python 3 has no implicit relative imports).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import posixpath
import sys
import tempfile
import time
import uuid
from typing import Iterator

from .batch import (
    DEFAULT_GLOBS,
    FAILED,
    MAX_INPUT_BYTES,
    OK,
    SKIPPED,
    TEMP_SUFFIX,
    BatchOptions,
    InputError,
    OutputError,
    Planned,
    UsageError,
    _matches,
    _page_suffix,
    _preference,
    _rulesets,
    check_dirs,
    check_page,
    check_rules,
    count_document,
    decode_input,
    default_jobs,
    new_row,
    output_name,
    plan,
    process_item,
    remove_leftover_temps,
)

DASK_MISSING = "Dask is not installed: pip install 'cleaner[dask]'"

# Files per task: a task costs the scheduler about a millisecond whatever it
# does, a page costs ~10-50 ms to clean; 128 pages make that overhead noise
# while a lost worker costs at most a few seconds of work to redo.
PARTITION_SIZE = 128
# The first partition's size; each next one is twice as large, up to PARTITION_SIZE.
FIRST_PARTITION_SIZE = 8
# Partitions pending per worker: enough that no worker waits for the client,
# few enough that the client holds only a bounded slice of the plan.
IN_FLIGHT_PER_WORKER = 3
# A task whose worker died is rerun on another; after this many workers died
# running it, its files become failed rows (a page that kills every worker).
ALLOWED_FAILURES = 3


def require_dask():
    """Import dask.distributed, or UsageError with the install command (exit 2)."""
    try:
        import dask  # noqa: F401  (the real Dask, not this module)
        import distributed
    except ImportError:
        raise UsageError(DASK_MISSING) from None
    return distributed


def is_url(path: str) -> bool:
    return "://" in str(path)


# ---------------------------------------------------------------- the cluster


class Cluster:
    """A dask.distributed Client: connected to `scheduler`, or on a new LocalCluster.

    with Cluster(workers=2) as client: ...
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        distributed = require_dask()
        import dask

        self._config = dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES})
        self._config.__enter__()
        self.cluster = None
        try:
            if scheduler:
                try:
                    self.client = distributed.Client(scheduler, timeout="10s")
                except (OSError, TimeoutError) as exc:
                    raise UsageError(f"{scheduler}: cannot connect to the Dask scheduler: {exc}") from None
            else:
                self.cluster = distributed.LocalCluster(
                    n_workers=workers or default_jobs(), threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR,
                )
                self.client = distributed.Client(self.cluster)
        except BaseException:
            self._config.__exit__(None, None, None)
            raise

    def __enter__(self):
        return self.client

    def __exit__(self, *exc):
        try:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            self._config.__exit__(None, None, None)


def n_workers(client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


# ---------------------------------------------------------------- templates on workers

_TEMPLATE_FILES: dict[str, str] = {}


def _templates_file(run_id: str, text: str) -> str:
    """This worker's copy of the run's templates file (written once per process and run)."""
    path = _TEMPLATE_FILES.get(run_id)
    if path is None or not os.path.exists(path):
        from .batch import write_atomic

        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        path = os.path.join(tempfile.gettempdir(), f"cleaner-templates-{run_id}-{digest}.toml")
        write_atomic(path, text)
        _TEMPLATE_FILES[run_id] = path
    return path


def _forget_templates(run_id: str) -> None:
    path = _TEMPLATE_FILES.pop(run_id, None)
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass


# ---------------------------------------------------------------- one partition


def clean_partition(items: list[Planned], options: BatchOptions, run_started_ns: int = 0,
                    templates: tuple[str, str] | None = None) -> list[dict]:
    """Report rows for a partition of planned items; runs on a worker, never raises.

    templates: (run id, templates file text) broadcast by the client.
    run_started_ns: outputs modified since then were written by this run (an
    earlier attempt of this task whose worker died): they are redone, not skipped.
    """
    if templates is not None:
        try:
            options = dataclasses.replace(options, templates=_templates_file(*templates))
        except Exception as exc:  # cannot write the worker's copy: every file says so
            message = f"cannot write the templates file on worker: {type(exc).__name__}: {exc}"
            return [_failed_row(item, message) for item in items]
    redo = dataclasses.replace(options, force=True)
    rows = []
    for item in items:
        url = is_url(item.in_path)
        if item.status is None and not options.force and run_started_ns and _written_since(item.out_path, run_started_ns):
            use = redo
        else:
            use = options
        if item.status is None and url:
            rows.append(process_url(item.in_path, item.out_path, use))
        else:
            rows.append(process_item(item, use))
    return rows


def _written_since(out_path: str, since_ns: int) -> bool:
    try:
        if is_url(out_path):
            fs, path = _fs(out_path)
            return _modified_ns(fs, path) >= since_ns
        return os.stat(out_path).st_mtime_ns >= since_ns
    except Exception:
        return False


def _failed_row(item: Planned, message: str) -> dict:
    row = new_row(item.in_path, item.out_path)
    row.update(status=FAILED, error=f"{item.in_path}: {message}", seconds=0.0)
    return row


# ---------------------------------------------------------------- fsspec URLs


def _fs(url: str):
    from fsspec.core import url_to_fs

    return url_to_fs(url)


def _modified_ns(fs, path: str) -> int:
    return int(fs.modified(path).timestamp() * 1e9)


def _url_up_to_date(fs_in, p_in: str, fs_out, p_out: str) -> bool:
    try:
        if not fs_out.isfile(p_out):
            return False
        return _modified_ns(fs_out, p_out) >= _modified_ns(fs_in, p_in)
    except Exception:  # a backend without modification times: always redo
        return False


def read_url(fs, path: str, url: str) -> bytes:
    """read_input over fsspec: bounded read, .gz decompressed, binary refused."""
    import gzip
    import zlib

    try:
        with fs.open(path, "rb") as f:
            if path.lower().endswith(".gz"):
                try:
                    with gzip.GzipFile(fileobj=f) as gz:
                        data = gz.read(MAX_INPUT_BYTES + 1)
                except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                    raise InputError(f"{url}: not a valid gzip file: {exc}") from None
            else:
                data = f.read(MAX_INPUT_BYTES + 1)
    except InputError:
        raise
    except IsADirectoryError:
        raise InputError(f"{url}: is a folder, not a file") from None
    except Exception as exc:
        raise InputError(f"{url}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return check_page(data, url)


def _temp_path(path: str) -> str:
    """A fresh temp name beside path (hidden, with the batch's temp suffix)."""
    return posixpath.join(posixpath.dirname(path), f".{posixpath.basename(path)}.{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}")


def write_url(fs, path: str, url: str, text: str) -> None:
    """Write to a temp name beside path, then the file system's `mv` over it."""
    parent = posixpath.dirname(path)
    tmp = _temp_path(path)
    try:
        if parent:
            fs.makedirs(parent, exist_ok=True)
        with fs.open(tmp, "wb") as f:
            f.write(text.encode("utf-8", errors="replace"))
        fs.mv(tmp, path)
        tmp = None
    except Exception as exc:
        raise OutputError(f"{url}: cannot write output: {getattr(exc, 'strerror', None) or exc}") from None
    finally:
        if tmp is not None:
            try:
                fs.rm(tmp)
            except Exception:
                pass


class FsFiles:
    """jsonl.LocalFiles over fsspec: a JSONL output is streamed into a temp name beside
    it, then the file system's `mv` puts it in place (as write_url does)."""

    def __init__(self, fs_in, p_in: str, fs_out, p_out: str):
        self.fs_in, self.in_path, self.fs_out, self.out_path = fs_in, p_in, fs_out, p_out
        self._tmp: str | None = None

    def up_to_date(self) -> bool:
        return _url_up_to_date(self.fs_in, self.in_path, self.fs_out, self.out_path)

    def opener(self, path: str, mode: str):
        return self.fs_in.open(path, mode)

    def open_temp(self):
        parent = posixpath.dirname(self.out_path)
        self._tmp = _temp_path(self.out_path)
        if parent:
            self.fs_out.makedirs(parent, exist_ok=True)
        return self.fs_out.open(self._tmp, "wb")

    def commit(self) -> None:
        self.fs_out.mv(self._tmp, self.out_path)
        self._tmp = None

    def discard(self) -> None:
        if self._tmp is not None:
            try:
                self.fs_out.rm(self._tmp)
            except Exception:
                pass
            self._tmp = None


def process_url(in_url: str, out_url: str, options: BatchOptions = BatchOptions()) -> dict:
    """`batch.process_file` for fsspec URLs: the same row, never raises."""
    from . import jsonl
    from .batch import _extra

    started = time.perf_counter()
    row = new_row(in_url, out_url)
    try:
        fs_in, p_in = _fs(in_url)
        fs_out, p_out = _fs(out_url)
        if jsonl.is_jsonl(p_in):
            return jsonl.process_jsonl(in_url, out_url, options, FsFiles(fs_in, p_in, fs_out, p_out))
        if not options.force and _url_up_to_date(fs_in, p_in, fs_out, p_out):
            row.update(status=SKIPPED, note="up to date (output newer than input; --force redoes it)")
            return row
        from .api import clean_document

        text = decode_input(read_url(fs_in, p_in, in_url), in_url)
        doc = clean_document(text, kind=options.kind, rules=_rulesets(options.rules), **_extra(options))
        row.update(count_document(doc))
        write_url(fs_out, p_out, out_url, doc.text + "\n" if doc.text else "")
        row["status"] = OK
    except (InputError, OutputError) as exc:
        row.update(status=FAILED, error=str(exc))
    except Exception as exc:
        row.update(status=FAILED, error=f"{in_url}: {type(exc).__name__}: {exc}")
    finally:
        row["seconds"] = round(time.perf_counter() - started, 4)
    return row


def plan_urls(in_url: str, out_url: str, globs=DEFAULT_GLOBS) -> Iterator[Planned]:
    """`batch.plan` over fsspec: every matching file under in_url, its mirrored output URL.

    Listed one folder at a time (fs.walk), names sorted; same output names and
    same-name preference as the local plan. Symlinks are whatever the backend
    lists (object stores have none).
    """
    globs = tuple(globs) or DEFAULT_GLOBS
    fs_in, root = _fs(in_url)
    fs_out, out_root = _fs(out_url)
    root = root.rstrip("/")
    for folder, dirs, names in fs_in.walk(root):
        dirs.sort()
        rel = posixpath.relpath(folder, root) if folder.rstrip("/") != root else ""
        dst = posixpath.join(out_root, rel) if rel else out_root
        groups: dict[str, list[str]] = {}
        for name in sorted(names):
            if _matches(name, globs):
                groups.setdefault(output_name(name), []).append(name)
        for out_name in sorted(groups):
            group = sorted(groups[out_name], key=lambda n: (_preference(n), n))
            out_path = fs_out.unstrip_protocol(posixpath.join(dst, out_name))
            yield Planned(fs_in.unstrip_protocol(posixpath.join(folder, group[0])), out_path)
            for other in group[1:]:
                yield Planned(
                    fs_in.unstrip_protocol(posixpath.join(folder, other)), None, SKIPPED,
                    f"same output {out_path} as {group[0]} (one output per name; "
                    f"{', '.join(s for s in (_page_suffix(n) for n in group) if s)} in that order of preference)",
                )


def check_urls(in_url: str, out_url: str) -> None:
    """UsageError when the input is not a folder or the two locations overlap."""
    try:
        fs_in, root = _fs(in_url)
        fs_out, out_root = _fs(out_url)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"{in_url} / {out_url}: unsupported URL: {exc}") from None
    try:
        is_dir = fs_in.isdir(root)
    except Exception as exc:
        raise UsageError(f"{in_url}: cannot list input folder: {exc}") from None
    if not is_dir:
        raise UsageError(f"{in_url}: input folder does not exist or is not a folder")
    a = fs_in.unstrip_protocol(root).rstrip("/") + "/"
    b = fs_out.unstrip_protocol(out_root).rstrip("/") + "/"
    if a.startswith(b) or b.startswith(a):
        raise UsageError(f"{out_url}: the output folder must not be, contain or lie inside the input folder ({in_url})")


def check_locations(in_dir: str, out_dir: str) -> None:
    """UsageError for a missing input or overlapping input and output (paths or URLs)."""
    if is_url(in_dir) or is_url(out_dir):
        check_urls(in_dir, out_dir)
    else:
        check_dirs(in_dir, out_dir)


def remove_leftover_url_temps(out_url: str) -> int:
    fs, root = _fs(out_url)
    removed = 0
    try:
        if not fs.isdir(root):
            return 0
        for path in fs.find(root):
            name = posixpath.basename(path)
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                fs.rm(path)
                removed += 1
    except Exception:
        pass
    return removed


def iter_url_pages(in_url: str, globs=None, fields=None) -> Iterator[tuple[str, str, str | None]]:
    """learn_cli.iter_pages over fsspec: (url, dump text, page url or None), streamed."""
    from . import jsonl
    from .document import detect_kind
    from .learn_cli import MANIFEST, MAX_URL_BYTES, SIDECAR_SUFFIX, _page_stem

    fs, root = _fs(in_url)
    manifest: dict[str, str] = {}
    try:
        with fs.open(posixpath.join(root.rstrip("/"), MANIFEST), "rb") as f:
            for n, line in enumerate(f.read().decode("utf-8", errors="replace").splitlines(), 1):
                parts = line.split("\t")
                if line.startswith("#") or len(parts) < 2 or not parts[1].strip():
                    continue
                if n == 1 and parts[1].strip().lower() == "url":
                    continue
                name = parts[0].strip()
                manifest[name[2:] if name.startswith("./") else name] = parts[1].strip()
    except (FileNotFoundError, OSError):
        pass
    for item in plan_urls(in_url, in_url, globs or DEFAULT_GLOBS):
        if item.status is not None or item.in_path.endswith(".expected.txt"):
            continue
        _, path = _fs(item.in_path)
        if jsonl.is_jsonl(path):
            for where, text, url in jsonl.iter_pages(path, fields or jsonl.Fields(), fs.open):
                if detect_kind(text) == "text":  # each record a page, as learn_cli.iter_pages reads them
                    yield item.in_path + where[len(path):], text, url
            continue
        try:
            text = decode_input(read_url(fs, path, item.in_path), item.in_path)
        except (InputError, ValueError):
            continue
        if detect_kind(text) != "text":
            continue
        url = None
        try:
            with fs.open(_page_stem(path) + SIDECAR_SUFFIX, "rb") as f:
                first = f.read(MAX_URL_BYTES).decode("utf-8", errors="replace").strip().splitlines()
                url = first[0].strip() if first else None
        except (FileNotFoundError, OSError):
            pass
        if url is None and manifest:
            url = manifest.get(posixpath.relpath(path, root.rstrip("/")))
        yield item.in_path, text, url


def learn_for_batch(in_dir: str, globs=None, progress: bool = False, fields=None) -> str:
    """Learn templates from a local folder or fsspec URL on the client: a temp file path."""
    from . import learn_cli

    if not is_url(in_dir):
        return learn_cli.learn_for_batch(in_dir, globs=globs, progress=progress, fields=fields)
    from .templates import learn_pages

    templates = learn_pages((text, url) for _, text, url in iter_url_pages(in_dir, globs, fields))
    fd, path = tempfile.mkstemp(prefix="cleaner-templates-", suffix=".toml")
    os.close(fd)
    templates.save(path)
    return path


# ---------------------------------------------------------------- the run


def _partitions(items, size: int):
    """(decided rows' items, partition) pairs: plan-decided items need no worker.

    Partitions start small and double up to `size`: every worker gets work
    at once, and a small folder is not cut into one or two tasks.
    """
    todo: list[Planned] = []
    current = min(size, FIRST_PARTITION_SIZE)
    for item in items:
        if item.status is not None:
            yield item, None
            continue
        todo.append(item)
        if len(todo) >= current:
            yield None, todo
            todo = []
            current = min(size, current * 2)
    if todo:
        yield None, todo


def dask_rows(client, items, options: BatchOptions, *, partition_size: int = PARTITION_SIZE,
              in_flight: int | None = None) -> Iterator[dict]:
    """Report rows for planned items, cleaned on the client's cluster, in completion order."""
    from distributed import as_completed

    run_id = uuid.uuid4().hex[:12]
    templates = None
    if options.templates:
        with open(options.templates, encoding="utf-8") as f:
            templates = client.scatter((run_id, f.read()), broadcast=True)
    started_ns = time.time_ns() - 2_000_000_000  # margin for file system timestamp rounding
    limit = in_flight or n_workers(client) * IN_FLIGHT_PER_WORKER
    pending: dict = {}
    waves = as_completed()
    source = _partitions(items, max(1, partition_size))
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < limit:
                nxt = next(source, None)
                if nxt is None:
                    exhausted = True
                    break
                decided, part = nxt
                if decided is not None:
                    yield process_item(decided, options)
                    continue
                future = client.submit(clean_partition, part, options, started_ns, templates, pure=False, retries=1)
                pending[future.key] = (future, part)
                waves.add(future)
            if not pending:
                return
            future = next(waves)
            _, part = pending.pop(future.key)
            try:
                rows = future.result()
            except Exception as exc:  # KilledWorker: workers kept dying on this partition
                rows = [_failed_row(item, f"Dask task failed ({type(exc).__name__}: {exc}); "
                                          "the file or one beside it in its partition may kill workers")
                        for item in part]
            future.release()
            yield from rows
    finally:  # interrupted: drop what is still queued (outputs already written stay whole)
        waves.clear()
        for future, _ in pending.values():
            future.cancel()
        if templates is not None:
            try:
                client.run(_forget_templates, run_id)
            except Exception:
                pass


def run_dask_batch(
    in_dir: str,
    out_dir: str,
    options: BatchOptions = BatchOptions(),
    *,
    client=None,
    scheduler: str | None = None,
    workers: int | None = None,
    partition_size: int = PARTITION_SIZE,
    globs=DEFAULT_GLOBS,
    report_path: str | None = None,
    progress: bool = False,
):
    """`batch.run_batch` on Dask: clean in_dir into out_dir (paths or fsspec URLs); the Summary.

    client: an existing distributed.Client; else one connected to `scheduler`,
    else a LocalCluster of `workers` processes, closed at the end.
    """
    from .report import ReportWriter, consume

    require_dask()
    urls = is_url(in_dir) or is_url(out_dir)
    check_locations(in_dir, out_dir)
    check_rules(options)
    if report_path and not urls and os.path.realpath(report_path).startswith(os.path.realpath(in_dir).rstrip(os.sep) + os.sep):
        raise UsageError(f"{report_path}: the report must not be written inside the input folder ({in_dir})")
    own = None
    if client is None:  # connect before writing anything: an unreachable scheduler leaves no trace
        own = Cluster(scheduler=scheduler, workers=workers)
        client = own.__enter__()
    writer = bar = None
    try:
        if urls:
            remove_leftover_url_temps(out_dir)
            items = plan_urls(in_dir, out_dir, globs)
        else:
            try:
                os.makedirs(out_dir, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"{out_dir}: cannot create output folder: {exc.strerror or exc}") from None
            remove_leftover_temps(out_dir)
            items = plan(in_dir, out_dir, globs)
        try:
            writer = ReportWriter(report_path) if report_path else None
        except OSError as exc:
            raise UsageError(f"{report_path}: cannot write the report: {exc.strerror or exc}") from None
        if progress:
            from tqdm import tqdm

            bar = tqdm(unit="file", dynamic_ncols=True, file=sys.stderr)
        summary = consume(dask_rows(client, items, options, partition_size=partition_size), writer, bar)
    finally:
        if bar:
            bar.close()
        if writer:
            writer.close()
        if own is not None:
            own.__exit__(None, None, None)
    return summary


# ---------------------------------------------------------------- bags and data frames


def _check_clean_options(options: dict) -> dict:
    """Fail on the client, not on every record: unknown names, bad kind, invalid rules."""
    from .document import check_kind

    allowed = {"kind", "rules", "templates"}
    unknown = set(options) - allowed
    if unknown:
        raise TypeError(f"unknown clean options: {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(allowed))})")
    check_kind(options.get("kind"))
    rules = options.get("rules")
    if isinstance(rules, (str, os.PathLike)):
        rules = (os.fspath(rules),)
    if rules:
        from .rules import load_paths

        load_paths([r for r in rules if isinstance(r, (str, os.PathLike))])  # RuleError now, not per record
        if all(isinstance(r, (str, os.PathLike)) for r in rules):
            rules = tuple(os.path.abspath(os.fspath(r)) for r in rules)
    return {**options, "rules": rules} if rules else {k: v for k, v in options.items() if k != "rules"}


def _clean_one(x, options: dict, rulesets) -> dict:
    from .api import clean_document

    record = x if isinstance(x, dict) else {"text": x}
    url = record.get("url")
    out = {"url": url} if url is not None else {}
    try:
        doc = clean_document(record["text"], url=url, kind=options.get("kind"), rules=rulesets,
                             templates=options.get("templates"))
    except Exception as exc:  # one bad record is a row with an error, not a dead computation
        where = f"{url}: " if url else ""
        return {**out, "text": None, "title": None, "kind": None, "blocks_kept": 0, "blocks_removed": 0,
                "chars_kept": 0, "chars_removed": 0, "reasons": {}, "error": f"{where}{type(exc).__name__}: {exc}"}
    return {**out, "text": doc.text, "title": doc.title, **count_document(doc), "error": None}


def _clean_records(records, options: dict) -> list[dict]:
    rules = options.get("rules")
    if rules and all(isinstance(r, str) for r in rules):
        rules = _rulesets(tuple(rules))  # loaded once per worker process, as in a batch
    return [_clean_one(x, options, rules) for x in records]


def clean_bag(bag, **clean_options):
    """A dask Bag of texts (str/bytes) or records (dicts with `text`, optional `url`) ->
    a Bag of dicts: `text`, `title`, `kind`, `blocks_kept`, `blocks_removed`,
    `chars_kept`, `chars_removed`, `reasons` ({rule id: count}), `error` (None,
    or why the record could not be cleaned: then `text` is None), and `url`
    when the record had one.

    clean_options: kind ("text"/"html"), rules (rule file paths, readable by
    the workers), templates (a templates file path readable by the workers, or
    a loaded Templates object, shipped to them).
    """
    require_dask()
    options = _check_clean_options(clean_options)
    return bag.map_partitions(_clean_records, options)


def clean_dataframe(df, column: str = "text", *, output: str = "clean_text", url_column: str | None = None,
                    **clean_options):
    """A dask DataFrame with `output` (string) added: `column` cleaned, row by row.

    url_column names a column of page addresses (recognises site rule sets and
    groups pages by site for templates). A row that cannot be cleaned gets <NA>.
    """
    require_dask()
    import pandas as pd

    if column not in df.columns:
        raise KeyError(f"{column!r}: no such column (columns: {', '.join(map(str, df.columns))})")
    if url_column is not None and url_column not in df.columns:
        raise KeyError(f"{url_column!r}: no such column (columns: {', '.join(map(str, df.columns))})")
    options = _check_clean_options(clean_options)
    meta = df._meta.assign(**{output: pd.Series([], dtype="string")})
    return df.map_partitions(_clean_frame, column, output, url_column, options, meta=meta)


def _clean_frame(part, column: str, output: str, url_column: str | None, options: dict):
    import pandas as pd

    texts = part[column].tolist()
    urls = part[url_column].tolist() if url_column else [None] * len(texts)
    records = [{"text": t, "url": None if u is None or u is pd.NA or u != u else u} for t, u in zip(texts, urls)]
    rows = _clean_records(records, options)
    return part.assign(**{output: pd.Series([r["text"] for r in rows], index=part.index, dtype="string")})


__all__ = [
    "DASK_MISSING", "PARTITION_SIZE", "Cluster", "clean_bag", "clean_dataframe", "clean_partition",
    "dask_rows", "plan_urls", "process_url", "require_dask", "run_dask_batch",
]

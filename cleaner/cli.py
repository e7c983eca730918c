"""The `cleaner` command: batch, clean, explain, rules.

Exit codes: 0 all good (skipped files are fine), 1 some files failed,
2 usage error (bad arguments, missing input, overlapping folders, invalid
rule files: nothing is written then).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from . import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130


class _Usage(Exception):
    """A usage problem found after parsing: print it, exit 2."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--rules", action="append", default=[], metavar="DIR",
        help="extra rule files or folders (TOML, see docs/rules.md); repeatable",
    )
    page = argparse.ArgumentParser(add_help=False)
    page.add_argument("--kind", choices=("text", "html"), help="read the input as a text dump or as HTML (default: detect)")
    page.add_argument("--templates", metavar="FILE", help="learned site templates file")

    parser = argparse.ArgumentParser(
        prog="cleaner",
        description="Strip boilerplate from scraped news pages and keep only the article, saying why every removed block went.",
        epilog="Exit codes: 0 ok, 1 some files failed, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"cleaner {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    b = sub.add_parser(
        "batch", parents=[common, page], help="clean a folder tree into another folder",
        description=(
            "Clean every page under IN_DIR into OUT_DIR, mirroring the tree. Outputs are text: "
            "the page suffix (.txt, .html, .htm, with or without .gz) becomes .txt. "
            "JSON Lines files (.jsonl, .jsonl.gz) hold one page per record and give x.jsonl, "
            "each record with its result under \"cleaned\". "
            "Outputs newer than their input are skipped unless --force. Writes are atomic."
        ),
        epilog="Exit codes: 0 ok (skips are fine), 1 some files failed, 2 usage error.",
    )
    b.add_argument("in_dir", metavar="IN_DIR")
    b.add_argument("out_dir", metavar="OUT_DIR")
    b.add_argument("-j", "--jobs", type=_positive_int, metavar="N", help="worker processes (default: all cores)")
    b.add_argument(
        "--glob", action="append", default=[], metavar="PATTERN",
        help="file names to clean, case-insensitive; repeatable "
        "(default: *.txt *.html *.htm *.html.gz *.jsonl *.jsonl.gz)",
    )
    b.add_argument("--report", metavar="FILE", help="write one JSON line per file (path, status, counts, reasons, error)")
    b.add_argument("--force", action="store_true", help="redo outputs that are already up to date")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    b.add_argument(
        "--learn", action=argparse.BooleanOptionalAction, default=None,
        help="first learn each site's template from IN_DIR (blocks recurring across its pages), "
        "then clean with it (default: on; --templates FILE uses a saved one instead)",
    )
    b.add_argument(
        "--engine", choices=("local", "dask"), default="local",
        help="local: a process pool (default); dask: a Dask LocalCluster of -j N worker processes "
        "(needs pip install 'cleaner[dask]')",
    )
    b.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run on an existing dask.distributed cluster (e.g. tcp://host:8786); IN_DIR and OUT_DIR "
        "must be folders every worker sees at the same path, or fsspec URLs (s3://...)",
    )
    b.add_argument(
        "--partition-size", type=_positive_int, metavar="N",
        help="files per Dask task (default: 128)",
    )

    c = sub.add_parser(
        "clean", parents=[common, page], help="clean one file (or stdin) to stdout",
        description=(
            "Clean one page dump or HTML page and print the article. A JSON Lines file "
            "(.jsonl, .jsonl.gz) prints one JSON object per record, its result under \"cleaned\"."
        ),
    )
    c.add_argument("file", metavar="FILE", help="the page, or - for stdin")
    c.add_argument("--json", action="store_true", help="print the full result (text, title, kept, removed with reasons) as JSON")
    c.add_argument("--url", help="the page's address, if known (recognises site rule sets)")

    e = sub.add_parser(
        "explain", parents=[common, page], help="show every block, kept or removed, and why",
        description="Show every block of a page, kept or removed, with the rule or heuristic and its reason.",
    )
    e.add_argument("file", metavar="FILE", help="the page, or - for stdin")
    e.add_argument("--url", help="the page's address, if known")
    e.add_argument("--html", metavar="OUT.html", help="also write a self-contained HTML page of the explanation")
    e.add_argument("--no-color", action="store_true", help="no colours (also: NO_COLOR set, or output not a terminal)")

    r = sub.add_parser("rules", help="list or check rule files", description="List loaded rule sets, or check a rule folder.")
    rsub = r.add_subparsers(dest="rules_command", metavar="ACTION")
    rsub.required = True
    rsub.add_parser("list", parents=[common], help="the loaded rule sets: id, scope, rule count, file")
    rc = rsub.add_parser(
        "check", parents=[common], help="validate a rule folder and run its examples",
        description="Validate rule files and run their examples; print file:line: problem lines. Exit 2 on problems.",
    )
    rc.add_argument("paths", nargs="+", metavar="DIR", help="rule files or folders")

    from . import learn_cli

    learn_cli.add_jsonl_arguments(b)
    learn_cli.add_jsonl_arguments(c)
    learn_cli.add_parser(sub)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)  # exits 2 itself on bad arguments
    previous = _terminate_as_interrupt()
    try:
        if args.command == "batch":
            return _batch(args)
        if args.command == "clean":
            return _clean(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "learn":
            from . import learn_cli

            return learn_cli.run(args)
        return _rules(args)
    except _Usage as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cleaner: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `cleaner clean x | head`: not an error
        _quiet_broken_pipe()
        return EXIT_OK
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _terminate_as_interrupt():
    """SIGTERM (`timeout`, `kill`, a scheduler) stops a run the way Ctrl-C does:
    temporary outputs and the learned-templates file are removed on the way out.
    Returns the handler to restore, or None where signals cannot be set."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_interrupt)


def _quiet_broken_pipe() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


# ---------------------------------------------------------------- shared


def _load_rules(paths: list[str]):
    """The user's rule sets, validated up front: problems are a usage error."""
    from .rules import RuleError, load_paths

    if not paths:
        return []
    try:
        return load_paths(paths)
    except RuleError as exc:
        raise _Usage("invalid rule files:\n" + "\n".join(exc.problems)) from None


def _check_templates(path: str | None) -> None:
    if path is not None and not os.path.isfile(path):
        raise _Usage(f"{path}: templates file does not exist")
    if path is not None:
        from .templates import TemplateError, load_templates

        try:
            load_templates(path)
        except TemplateError as exc:
            raise _Usage("invalid templates file:\n" + "\n".join(exc.problems)) from None


def _read_page(path: str) -> bytes:
    """One page's bytes for clean/explain: same reading rules as a batch."""
    from .batch import InputError, read_input

    if path == "-":
        return sys.stdin.buffer.read()
    if not os.path.exists(path):
        raise _Usage(f"{path}: no such file")
    try:
        return read_input(path)
    except InputError as exc:
        raise _PageError(str(exc)) from None


class _PageError(Exception):
    """The page itself cannot be cleaned (binary, unreadable): exit 1."""


def _document(args, rulesets):
    from .api import clean_document

    data = _read_page(args.file)
    extra = {"templates": args.templates} if args.templates else {}
    return clean_document(data, url=args.url, kind=args.kind, rules=rulesets or None, **extra)


def _write_stdout(text: str) -> None:
    # UTF-8 whatever the locale: a page in any language must come out whole
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8", errors="replace"))
    sys.stdout.buffer.flush()


# ---------------------------------------------------------------- commands


def _batch_options(args, learned: str | None):
    """The per-file options every engine hands its workers (paths made absolute)."""
    from .batch import BatchOptions

    return BatchOptions(
        rules=tuple(os.path.abspath(p) for p in args.rules),
        kind=args.kind,
        templates=os.path.abspath(args.templates) if args.templates else learned,
        force=args.force,
        jsonl_field=args.jsonl_field,
        jsonl_url_field=args.jsonl_url_field,
    )


def _report_summary(args, summary) -> int:
    if not args.quiet:
        print(summary.format(), file=sys.stderr)
    return EXIT_FAILED if summary.failed else EXIT_OK


def _batch(args) -> int:
    from .batch import DEFAULT_GLOBS, UsageError, default_jobs, run_batch

    if args.engine == "dask" or args.scheduler:
        return _batch_dask(args)
    _load_rules(args.rules)
    _check_templates(args.templates)
    progress = not args.quiet and sys.stderr.isatty()
    learned = _learn_for_batch(args, progress)
    options = _batch_options(args, learned)
    try:
        summary = run_batch(
            args.in_dir, args.out_dir, options,
            jobs=args.jobs or default_jobs(),
            globs=tuple(args.glob) or DEFAULT_GLOBS,
            report_path=args.report,
            progress=progress,
        )
    except UsageError as exc:
        raise _Usage(str(exc)) from None
    finally:
        if learned:
            os.unlink(learned)
    return _report_summary(args, summary)


def _batch_dask(args) -> int:
    """`batch --engine dask` / `--scheduler`: the same run on Dask (see cleaner/dask.py)."""
    from .batch import DEFAULT_GLOBS, UsageError

    try:
        from . import dask as dask_engine

        dask_engine.require_dask()  # before anything is learned or written
    except UsageError as exc:
        raise _Usage(str(exc)) from None
    _load_rules(args.rules)
    _check_templates(args.templates)
    progress = not args.quiet and sys.stderr.isatty()
    globs = tuple(args.glob) or DEFAULT_GLOBS
    try:
        dask_engine.check_locations(args.in_dir, args.out_dir)
    except UsageError as exc:
        raise _Usage(str(exc)) from None
    # learned on the client: a local folder or an fsspec URL
    learned = _learn_for_batch(args, progress, dask_engine.learn_for_batch)
    options = _batch_options(args, learned)
    try:
        summary = dask_engine.run_dask_batch(
            args.in_dir, args.out_dir, options,
            scheduler=args.scheduler, workers=args.jobs,
            partition_size=args.partition_size or dask_engine.PARTITION_SIZE,
            globs=globs, report_path=args.report, progress=progress,
        )
    except UsageError as exc:
        raise _Usage(str(exc)) from None
    finally:
        if learned:
            os.unlink(learned)
    return _report_summary(args, summary)


def _learn_for_batch(args, progress: bool, learner=None) -> str | None:
    """`batch --learn` (the default unless --templates): a temporary templates file, or None.

    `learner` reads the input (default: a local folder, see learn_cli).
    """
    from .learn_cli import LEARN_BY_DEFAULT, describe_file, jsonl_fields, learn_for_batch

    learn = LEARN_BY_DEFAULT if args.learn is None else args.learn
    if not learn or args.templates:
        return None
    if learner is None:
        if not os.path.isdir(args.in_dir):
            return None  # the batch itself reports the bad IN_DIR
        learner = learn_for_batch
    path = learner(args.in_dir, globs=tuple(args.glob) or None, progress=progress, fields=jsonl_fields(args))
    if not args.quiet:
        print(f"learned: {describe_file(path)}", file=sys.stderr)
    return path


def _clean(args) -> int:
    rulesets = _load_rules(args.rules)
    _check_templates(args.templates)
    if _is_jsonl(args.file):
        return _clean_jsonl(args)
    try:
        doc = _document(args, rulesets)
    except _PageError as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        _write_stdout(json.dumps(doc.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        _write_stdout(doc.text + "\n" if doc.text else "")
    return EXIT_OK


def _is_jsonl(path: str) -> bool:
    from .jsonl import is_jsonl

    return path != "-" and is_jsonl(path)


def _clean_jsonl(args) -> int:
    """`cleaner clean x.jsonl`: every record, cleaned, to stdout as JSON Lines (as `batch` writes
    them). Exit 1 when a record could not be cleaned (its line says why) or the file broke."""
    from .batch import BatchOptions, InputError
    from .jsonl import clean_stream, open_binary, sniff

    if args.url:
        raise _Usage(f"{args.file}: --url names one page's address; JSONL records carry their own "
                     f"(--jsonl-url-field NAME, default: url)")
    if not os.path.exists(args.file):
        raise _Usage(f"{args.file}: no such file")
    options = BatchOptions(
        rules=tuple(args.rules), kind=args.kind, templates=args.templates,
        jsonl_field=args.jsonl_field, jsonl_url_field=args.jsonl_url_field,
    )
    try:
        sniff(args.file, args.file)
        with open_binary(args.file) as f:
            totals = clean_stream(f, _write_stdout_bytes, options)
    except InputError as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # `cleaner clean x.jsonl | head`: main() handles it
        raise
    except (OSError, EOFError, ValueError) as exc:  # a read or gzip failure midway
        print(f"cleaner: {args.file}: cannot read: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if totals.failed:
        print(f"cleaner: {args.file}: {totals.failed} of {totals.records} records could not be cleaned "
              f"(first: {totals.first_error})", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _write_stdout_bytes(data: bytes) -> None:
    sys.stdout.buffer.write(data)


def _use_color(args) -> bool:
    if args.no_color or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _explain(args) -> int:
    from .api import resolve_rulesets
    from .explain import explain, format_html, format_terminal

    rulesets = _load_rules(args.rules)
    _check_templates(args.templates)
    if _is_jsonl(args.file):
        raise _Usage(f"{args.file}: explain shows one page and a JSONL file holds many; "
                     f"`cleaner clean {args.file}` gives every record's result (counts, removal reasons)")
    try:
        doc = _document(args, rulesets)
    except _PageError as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_FAILED
    lines = explain(doc, resolve_rulesets(rulesets or None))
    _write_stdout(format_terminal(lines, color=_use_color(args)) + "\n")
    if args.html:
        title = "stdin" if args.file == "-" else os.path.basename(args.file)
        page = format_html(lines, doc, title=f"cleaner explain: {title}")
        from .batch import OutputError, write_atomic

        try:
            write_atomic(args.html, page)
        except OutputError as exc:
            print(f"cleaner: {exc}", file=sys.stderr)
            return EXIT_FAILED
    return EXIT_OK


def _rules(args) -> int:
    from .rules import load_builtin

    if args.rules_command == "list":
        user = _load_rules(args.rules)
        rows = [(rs.id, rs.scope, str(len(rs.rules)), rs.path) for rs in [*user, *load_builtin()]]
        header = ("id", "scope", "rules", "file")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
        out = []
        for row in [header, *rows]:
            out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        _write_stdout("\n".join(out) + "\n")
        return EXIT_OK
    return _rules_check(args.paths + args.rules)


def _rules_check(paths: list[str]) -> int:
    from .rules import RuleError, check_examples, load_builtin, load_paths

    try:
        sets = load_paths(paths)
    except RuleError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return EXIT_USAGE
    problems = check_examples(sets)
    # a user id equal to a built-in one would make reports ambiguous
    builtin_sets = {rs.id: rs.path for rs in load_builtin()}
    builtin_rules = {rule.id: rule.where for rs in load_builtin() for rule in rs.rules}
    for rs in sets:
        if rs.id in builtin_sets and rs.path != builtin_sets[rs.id]:
            problems.append(f"{rs.path}:1: ruleset id {rs.id!r} is already used by a built-in set ({builtin_sets[rs.id]})")
        for rule in rs.rules:
            if rule.id in builtin_rules and rule.where != builtin_rules[rule.id]:
                problems.append(f"{rule.where}: rule id {rule.id!r} is already used by a built-in rule ({builtin_rules[rule.id]})")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return EXIT_USAGE
    n_rules = sum(len(rs.rules) for rs in sets)
    n_examples = sum(len(r.examples) + len(r.counter_examples) for rs in sets for r in rs.rules)
    print(f"ok: {len(sets)} rule sets, {n_rules} rules, {n_examples} examples checked", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

"""Learning templates from a folder: find the pages and their URLs, stream them, save.

    cleaner learn DIR -o templates.toml      # then: cleaner batch --templates templates.toml ...
    cleaner batch IN OUT --learn             # learn from IN first, then clean with it

A page's URL, when known, groups it by site (the host without `www.`):
  - a sidecar file beside the page: `x.url` for `x.txt` / `x.html.gz`, whose
    first line is the URL;
  - a manifest `urls.tsv` at the top of the folder: one `relative/path<TAB>url`
    a line (`#` comments and a `path<TAB>url` header are ignored); the sidecar
    wins when both name a page.
  - a JSON Lines file (`.jsonl`, `.jsonl.gz`) holds one page per record, its
    URL in the record's `url` field (see jsonl.py).
Pages without a URL are grouped by the chrome they share (see templates.py).
Text dumps are learned from; HTML pages are cleaned with the templates but
not learned from (their blocks are not the dump's lines). Each page is read,
hashed and forgotten: only hashes and counts are held.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Iterator

from .templates import TemplateError, TemplateLearner, Templates

# `cleaner batch` learns by default: on the site fixtures it lifts F1 and on a
# folder of unrelated sites (the dev set) it changes almost nothing (see
# bench/templates_quality.py); `--no-learn` turns it off.
LEARN_BY_DEFAULT = True

MANIFEST = "urls.tsv"
SIDECAR_SUFFIX = ".url"
# Sidecar URL files are read this far, no further: a URL, not a document.
MAX_URL_BYTES = 4096


def read_manifest(root: str) -> dict[str, str]:
    """`urls.tsv` at the top of root: {relative path with / separators: url}."""
    path = os.path.join(root, MANIFEST)
    urls: dict[str, str] = {}
    try:
        f = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return urls
    except OSError as exc:
        print(f"cleaner: {path}: cannot read URL manifest: {exc.strerror or exc}", file=sys.stderr)
        return urls
    with f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 2 or not parts[1].strip():
                print(f"cleaner: {path}:{n}: expected 'relative/path<TAB>url', line ignored", file=sys.stderr)
                continue
            name, url = parts[0].strip(), parts[1].strip()
            if n == 1 and url.lower() == "url":
                continue
            name = name.replace(os.sep, "/")
            urls[name[2:] if name.startswith("./") else name] = url
    return urls


def _page_stem(path: str) -> str:
    from .batch import SUFFIX_PREFERENCE

    lower = path.lower()
    for suffix in SUFFIX_PREFERENCE:
        if lower.endswith(suffix):
            return path[: -len(suffix)]
    return path


def sidecar_url(path: str) -> str | None:
    """The URL in `x.url` beside page `x.txt`, or None."""
    try:
        with open(_page_stem(path) + SIDECAR_SUFFIX, "rb") as f:
            first = f.read(MAX_URL_BYTES).decode("utf-8", errors="replace").strip().splitlines()
    except OSError:
        return None
    return first[0].strip() if first else None


def iter_pages(root: str, globs=None, fields=None) -> Iterator[tuple[str, str, str | None]]:
    """(path, dump text, url or None) for every readable text dump under root, streamed.

    The same files a batch of root cleans (same globs, `*.expected.txt` gold
    files left out); unreadable, binary and HTML files are passed over. Each
    record of a JSONL file is a page (path `x.jsonl:LINE`, URL from its url
    field; `fields`: a jsonl.Fields naming other fields).
    """
    from . import jsonl
    from .batch import DEFAULT_GLOBS, InputError, decode_input, plan, read_input
    from .document import detect_kind

    manifest = read_manifest(root)
    for item in plan(root, root, globs or DEFAULT_GLOBS):
        if item.status is not None or item.in_path.endswith(".expected.txt"):
            continue
        if jsonl.is_jsonl(item.in_path):
            for where, text, url in jsonl.iter_pages(item.in_path, fields or jsonl.Fields()):
                if detect_kind(text) == "text":
                    yield where, text, url
            continue
        try:
            text = decode_input(read_input(item.in_path), item.in_path)
        except (InputError, OSError, ValueError):
            continue
        if detect_kind(text) != "text":
            continue
        url = sidecar_url(item.in_path)
        if url is None and manifest:
            url = manifest.get(os.path.relpath(item.in_path, root).replace(os.sep, "/"))
        yield item.in_path, text, url


def learn_folder(root: str, *, use_urls: bool = True, globs=None, progress: bool = False, fields=None) -> Templates:
    """Learn the templates of every site in a folder tree (one streamed pass)."""
    learner = TemplateLearner()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="page", desc="learning", dynamic_ncols=True, file=sys.stderr)
    try:
        for _, text, url in iter_pages(root, globs, fields):
            learner.add(text, url if use_urls else None)
            if bar:
                bar.update(1)
    finally:
        if bar:
            bar.close()
    return learner.templates()


def describe(templates: Templates) -> str:
    groups = templates.groups
    blocks = sum(len(g.blocks) for g in groups)
    pages = sum(g.pages for g in groups)
    plural = "" if len(groups) == 1 else "s"
    # keys: recurring blocks, teaser labels and the blocks seen above a page's prose
    return f"{len(groups)} site group{plural} with a template ({pages} pages, {blocks} learned keys)"


def describe_file(path: str) -> str:
    from .templates import load_templates

    return describe(load_templates(path))


def learn_for_batch(in_dir: str, globs=None, progress: bool = False, fields=None) -> str:
    """Learn from in_dir into a temporary templates file; return its path (caller removes it)."""
    templates = learn_folder(in_dir, globs=globs, progress=progress, fields=fields)
    fd, path = tempfile.mkstemp(prefix="cleaner-templates-", suffix=".toml")
    os.close(fd)
    templates.save(path)
    return path


# ---------------------------------------------------------------- the command


def add_jsonl_arguments(p) -> None:
    """The JSONL field options, shared by `learn`, `batch` and `clean`."""
    from .jsonl import TEXT_FIELDS, URL_FIELD

    p.add_argument(
        "--jsonl-field", metavar="NAME",
        help=f"JSONL input: the record field holding the page (default: the first of {', '.join(TEXT_FIELDS)})",
    )
    p.add_argument(
        "--jsonl-url-field", metavar="NAME", default=URL_FIELD,
        help=f"JSONL input: the record field holding the page's URL (default: {URL_FIELD})",
    )


def jsonl_fields(args):
    from .jsonl import Fields

    return Fields(args.jsonl_field, args.jsonl_url_field)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "learn", help="learn site templates from a folder of pages",
        description=(
            "Learn, per site, the blocks that recur across its pages (menus, site name, footers, "
            "most-read lists) and save them as a templates file for `clean`/`batch --templates`. "
            "Sites are told apart by URL (x.url sidecar files, a urls.tsv manifest, or the url field "
            "of JSONL records) or, "
            "without one, by the chrome the pages share."
        ),
    )
    p.add_argument("in_dir", metavar="DIR")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="templates file to write (TOML)")
    p.add_argument(
        "--glob", action="append", default=[], metavar="PATTERN",
        help="file names to learn from, case-insensitive; repeatable "
        "(default: *.txt *.html *.htm *.html.gz *.jsonl *.jsonl.gz)",
    )
    add_jsonl_arguments(p)
    p.add_argument("--no-urls", action="store_true", help="ignore URLs: group pages by shared chrome only")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")


def run(args) -> int:
    """`cleaner learn`: 0 written, 2 usage error."""
    if not os.path.isdir(args.in_dir):
        print(f"cleaner: {args.in_dir}: no such folder", file=sys.stderr)
        return 2
    templates = learn_folder(
        args.in_dir, use_urls=not args.no_urls, globs=tuple(args.glob) or None,
        progress=not args.quiet and sys.stderr.isatty(), fields=jsonl_fields(args),
    )
    try:
        templates.save(args.output)
    except OSError as exc:
        print(f"cleaner: {args.output}: cannot write templates: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"{args.output}: {describe(templates)}", file=sys.stderr)
    return 0


__all__ = ["learn_folder", "learn_for_batch", "iter_pages", "read_manifest", "sidecar_url", "TemplateError"]

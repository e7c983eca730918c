"""The two entry points: `clean` (text) and `clean_document` (text plus the account)."""

from __future__ import annotations

import os

from . import pipeline
from .compressed import gunzip_if_compressed, is_gzip
from .document import check_kind, detect_kind, join_blocks, split_blocks, to_text
from .model import Cleaned, Removal
from .rules import RuleSet, load_paths

RulesArg = str | os.PathLike | list | tuple | None


def resolve_rulesets(rules: RulesArg) -> tuple[RuleSet, ...]:
    """Built-in sets plus the user's: paths (files or folders) or loaded RuleSets.

    User sets come first, so a user rule wins over a built-in one for the same phrase.
    """
    builtin = pipeline.default_rulesets()
    if rules is None:
        return builtin
    if isinstance(rules, (str, os.PathLike)):
        rules = [rules]
    loaded = [r for r in rules if isinstance(r, RuleSet)]
    paths = [r for r in rules if not isinstance(r, RuleSet)]
    if paths:
        loaded.extend(load_paths(paths))
    return tuple(loaded) + builtin


def clean_document(
    x: str | bytes,
    *,
    url: str | None = None,
    kind: str | None = None,
    rules: RulesArg = None,
    templates=None,
) -> Cleaned:
    """Clean a page dump or HTML page; return the article and every removal with its reason.

    x      str or bytes (bytes are decoded: BOM, declared charset, detection)
    url    the page's address, if known: recognises site rule sets
    kind   "text" or "html" to override detection
    rules  extra rule files or folders (validated; RuleError on a problem)
    templates  learned site templates: a templates file path or a loaded object
    """
    check_kind(kind)
    if is_gzip(x):  # a .gz file read as bytes: clean what it holds
        x = gunzip_if_compressed(x)
    text = to_text(x)
    rulesets = resolve_rulesets(rules)
    kind = kind or detect_kind(text)
    title_hint = None
    if kind == "html":
        from .html import html_to_blocks

        blocks, title_hint = html_to_blocks(text, url=url)
    else:
        blocks = split_blocks(text)
    template_removed = {}
    blocks_in = blocks
    if templates is not None:  # the site's learned chrome goes before the page is judged
        from .templates import prefilter

        blocks_in, template_removed = prefilter(blocks, templates, rulesets, url)
    if kind == "html":
        from .html import run_pipeline

        kept, removed, recognised = run_pipeline(blocks_in, rulesets, url)
    else:
        kept, removed, recognised = pipeline.run(blocks_in, rulesets, url)
    removed.update(template_removed)
    removals = tuple(
        Removal(b.index, b.text, removed[b.index].rule, removed[b.index].reason)
        for b in blocks
        if b.index in removed
    )
    title = _title(kept, removed, title_hint)
    return Cleaned(
        text=join_blocks(b.text for b in kept),
        title=title,
        kept=tuple(kept),
        removed=removals,
        kind=kind,
        rulesets=recognised,
    )


def clean(
    x: str | bytes,
    *,
    url: str | None = None,
    kind: str | None = None,
    rules: RulesArg = None,
    templates=None,
) -> str:
    """The article text of a page dump or HTML page, blocks joined by a blank line."""
    return clean_document(x, url=url, kind=kind, rules=rules, templates=templates).text


def _title(kept, removed, hint) -> str | None:
    if hint:
        return hint
    return kept[0].text if kept else None

"""Why each block stayed or went: for a terminal (coloured) and as an HTML page.

    lines = explain(doc, rulesets)              # every input block, in order
    print(format_terminal(lines, color=True))
    open("why.html", "w").write(format_html(lines, doc, title="page.txt"))

A removed block is coloured by its category: the rule's category
(`comment-form`, `ad`, `related`...) for a rule, the heuristic's id
(`before-headline`, `tail-section`...) for a heuristic.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass


# Colours for removed blocks, one per category present on the page (most
# frequent first), so the categories of one page get distinct colours (up to
# 16). No green: green means kept.
PALETTE = (
    "#d62728", "#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#17becf", "#bcbd22", "#393b79", "#843c39", "#7b4173", "#8c6d31", "#5254a3",
    "#ad494a", "#a55194",
)
KEPT_COLOR = "#1e8449"

# ANSI SGR codes for the terminal view.
_GREEN, _RED, _DIM, _BOLD, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[1m", "\x1b[0m"


@dataclass(frozen=True, slots=True)
class Explained:
    """One input block and what happened to it."""

    index: int
    text: str
    kept: bool
    rule: str | None = None  # rule or heuristic id, for a removed block
    reason: str | None = None
    category: str | None = None


def explain(doc, rulesets=()) -> list[Explained]:
    """Every block of a Cleaned document, kept or removed, in input order."""
    categories = {rule.id: rule.category for rs in rulesets for rule in rs.rules}
    lines = [Explained(b.index, b.text, True) for b in doc.kept]
    lines += [
        Explained(r.index, r.text, False, r.rule, r.reason, categories.get(r.rule, r.rule))
        for r in doc.removed
    ]
    lines.sort(key=lambda e: e.index)
    return lines


def category_colors(lines: list[Explained]) -> dict[str, str]:
    """A colour per category of removed blocks, most frequent category first."""
    cats = Counter(e.category or "other" for e in lines if not e.kept)
    ordered = sorted(cats, key=lambda c: (-cats[c], c))
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(ordered)}


def counts(lines: list[Explained]) -> dict:
    kept = [e for e in lines if e.kept]
    removed = [e for e in lines if not e.kept]
    return {
        "blocks_kept": len(kept),
        "blocks_removed": len(removed),
        "chars_kept": sum(len(e.text) for e in kept),
        "chars_removed": sum(len(e.text) for e in removed),
    }


# ---------------------------------------------------------------- terminal


def format_terminal(lines: list[Explained], color: bool = False) -> str:
    """One line per block: `+` kept, `-` removed with `[rule] reason`; totals at the end."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    width = len(str(max((e.index for e in lines), default=0)))
    out = []
    for e in lines:
        number = f"{e.index:>{width}}"
        if e.kept:
            out.append(f"{paint(_DIM, number)} {paint(_GREEN + _BOLD, '+')} {paint(_GREEN, e.text)}")
        else:
            tag = paint(_RED, f"- [{e.rule}]")
            out.append(f"{paint(_DIM, number)} {tag} {paint(_DIM, e.text)}  {paint(_RED + _DIM, '<- ' + (e.reason or ''))}")
    c = counts(lines)
    out.append("")
    out.append(
        f"{c['blocks_kept']} blocks kept ({c['chars_kept']:,} chars), "
        f"{c['blocks_removed']} removed ({c['chars_removed']:,} chars)"
    )
    by_rule = Counter(e.rule for e in lines if not e.kept)
    if by_rule:
        out.append("removed by: " + ", ".join(f"{rule} {n}" for rule, n in by_rule.most_common()))
    return "\n".join(out)


# ---------------------------------------------------------------- HTML

_CSS = """
body { font: 16px/1.5 Georgia, 'DejaVu Serif', serif; max-width: 52em; margin: 2em auto; padding: 0 1em; color: #222; background: #fff; }
h1 { font: bold 1.3em system-ui, sans-serif; margin-bottom: .2em; word-break: break-all; }
.meta, .legend, .tag, .reason, .num { font-family: system-ui, 'DejaVu Sans', sans-serif; }
.meta { color: #555; font-size: .9em; margin-bottom: 1em; }
.legend { display: flex; flex-wrap: wrap; gap: .4em .9em; font-size: .85em; padding: .6em .8em; border: 1px solid #ddd; border-radius: 6px; margin-bottom: 1.5em; }
.legend span { white-space: nowrap; }
.swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px; vertical-align: -1px; margin-right: .3em; }
.block { display: grid; grid-template-columns: 2.6em 1fr; gap: 0 .6em; padding: .25em 0 .25em .4em; border-bottom: 1px solid #f2f2f2; border-left: 4px solid var(--c); }
.kept { --c: #1e8449; background: #f4fbf6; }
.num { color: #aaa; font-size: .75em; text-align: right; padding-top: .3em; }
.kept .text { color: #111; }
.removed .text { text-decoration: line-through; text-decoration-thickness: 1px; opacity: .85; }
.removed .text { color: var(--c); }
.tag { font-size: .72em; color: #fff; background: var(--c); border-radius: 3px; padding: 0 .35em; margin-right: .4em; text-decoration: none; display: inline-block; }
.reason { display: block; font-size: .75em; color: #666; text-decoration: none; }
"""


def format_html(lines: list[Explained], doc=None, title: str = "cleaner explain") -> str:
    """A self-contained page: kept blocks plain, removed ones struck through and coloured by category."""
    esc = html.escape
    c = counts(lines)
    colors = category_colors(lines)
    cats = Counter(e.category or "other" for e in lines if not e.kept)
    legend = f'<span><i class="swatch" style="background:{KEPT_COLOR}"></i>kept ({c["blocks_kept"]})</span>' + "".join(
        f'<span><i class="swatch" style="background:{color}"></i>{esc(cat)} ({cats[cat]})</span>'
        for cat, color in colors.items()
    )
    meta = [
        f"{c['blocks_kept']} blocks kept ({c['chars_kept']:,} characters), "
        f"{c['blocks_removed']} removed ({c['chars_removed']:,} characters)"
    ]
    if doc is not None:
        meta.append(f"read as {esc(doc.kind)}")
        if doc.rulesets:
            meta.append("rule sets recognised: " + esc(", ".join(doc.rulesets)))
        if doc.title:
            meta.append("headline: " + esc(doc.title))
    body = []
    for e in lines:
        if e.kept:
            body.append(
                f'<div class="block kept"><span class="num">{e.index}</span>'
                f'<div class="text">{esc(e.text)}</div></div>'
            )
        else:
            color = colors[e.category or "other"]
            body.append(
                f'<div class="block removed" style="--c:{color}" title="{esc(e.reason or "", quote=True)}">'
                f'<span class="num">{e.index}</span><div>'
                f'<span class="tag">{esc(e.rule or "")}</span><span class="text">{esc(e.text)}</span>'
                f'<span class="reason">{esc(e.reason or "")}</span></div></div>'
            )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{esc(title)}</title>"
        f"<style>{_CSS}</style></head><body>\n"
        f"<h1>{esc(title)}</h1>\n<div class=\"meta\">{' &middot; '.join(meta)}</div>\n"
        f"<div class=\"legend\">{legend}</div>\n<main>\n" + "\n".join(body) + "\n</main></body></html>\n"
    )

"""The line model: a small learned classifier over each block and its surroundings.

It reads what the heuristics already computed (prose score, the densest prose
region, the headline, the tail marker, runs of short lines, rule hits) plus
the block's own text statistics and its neighbours', and gives the
probability that the block belongs to the article. The model is data
(`data/model/line_model.json`, written by `bench/train_line_model.py`); it is
evaluated here in plain Python, so it adds no runtime dependency.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

MODEL_PATH = Path(__file__).parent / "data" / "model" / "line_model.json"

FEATURES = (
    "log_words", "log_chars", "stop_ratio", "sentence_end", "teaser_end", "comma_rate",
    "digit_share", "capital_share", "all_caps", "bullet", "separators", "has_date", "urlish",
    "indent", "mean_word_len", "prose_score",
    "rule_drop", "rule_tail", "rule_keep", "heuristic_removed",
    "rel_pos", "in_region", "before_region", "after_region", "log_dist_region",
    "after_tail", "before_headline", "is_headline", "in_short_run", "repeats",
    "prev_score", "next_score", "window_score", "prev_words", "next_words", "window_hits",
    "log_blocks", "prose_share", "region_share",
)
_WINDOW = 3


def features(page, layout) -> list[list[float]]:
    """One feature row per block, in FEATURES order."""
    n = len(page.blocks)
    stats, hits, scores = page.stats, page.hits, layout.scores
    start, end = layout.start, layout.end
    counts: dict[str, int] = {}
    for norm in page.norms:
        counts[norm] = counts.get(norm, 0) + 1
    removed_by_rule = [
        1.0 if (hits[i] is not None and hits[i].action != "keep") or page.template_hits[i] is not None else 0.0
        for i in range(n)
    ]
    prose_share = sum(1 for x in scores if x >= 0.6) / n
    region_share = (end - start) / n
    log_blocks = math.log1p(n)
    headline = layout.headline if layout.headline is not None else -1
    tail = layout.tail if layout.tail is not None else n
    rows = []
    for i in range(n):
        s = stats[i]
        words = s.words or 1
        rule = hits[i]
        lo, hi = max(0, i - _WINDOW), min(n, i + _WINDOW + 1)
        window = [scores[k] for k in range(lo, hi) if k != i]
        if i < start:
            dist = start - i
        elif i >= end:
            dist = i - end + 1
        else:
            dist = 0
        rows.append([
            math.log1p(s.words),
            math.log1p(s.chars),
            s.stop_ratio,
            float(s.sentence_end),
            float(s.teaser_end),
            min(s.commas / words, 1.0),
            s.digits / s.chars if s.chars else 0.0,
            s.capitalised / words,
            float(s.all_caps),
            float(s.bullet),
            float(s.separators > 0),
            float(s.has_date),
            float(s.urlish),
            float(page.blocks[i].indent > 0),
            s.chars / words,
            scores[i],
            removed_by_rule[i] if rule is None or rule.action == "drop" else 0.0,
            float(rule is not None and rule.action == "tail"),
            float(rule is not None and rule.action == "keep"),
            float(layout.verdicts[i] is not None),
            i / n,
            float(start <= i < end),
            float(i < start),
            float(i >= end),
            math.log1p(dist),
            float(i > tail),
            float(i < headline),
            float(i == headline),
            float(layout.runs[i]),
            math.log(counts[page.norms[i]]),
            scores[i - 1] if i > 0 else 0.0,
            scores[i + 1] if i + 1 < n else 0.0,
            sum(window) / len(window) if window else 0.0,
            math.log1p(stats[i - 1].words) if i > 0 else 0.0,
            math.log1p(stats[i + 1].words) if i + 1 < n else 0.0,
            float(sum(removed_by_rule[lo:hi])),
            log_blocks,
            prose_share,
            region_share,
        ])
    return rows


class LineModel:
    """Gradient-boosted trees or a logistic model, read from JSON."""

    def __init__(self, spec: dict):
        if tuple(spec["features"]) != FEATURES:
            raise ValueError(f"{MODEL_PATH}: model was trained on other features; retrain it")
        self.kind = spec["kind"]
        self.threshold = float(spec.get("threshold", 0.5))
        self.bias = float(spec["bias"])
        self.weights = spec.get("weights")
        self.scale = spec.get("scale")
        # trees: list of flat node arrays: feature, threshold, left, right, value
        self.trees = spec.get("trees", [])

    def margin(self, row: list[float]) -> float:
        if self.kind == "logistic":
            return self.bias + sum(w * (x - m) / sd for w, x, (m, sd) in zip(self.weights, row, self.scale))
        total = self.bias
        for feature, threshold, left, right, value in self.trees:
            node = 0
            while left[node] >= 0:
                node = left[node] if row[feature[node]] <= threshold[node] else right[node]
            total += value[node]
        return total

    def predict(self, rows: list[list[float]]) -> list[float]:
        out = []
        for row in rows:
            m = self.margin(row)
            out.append(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, m)))))
        return out


@functools.lru_cache(maxsize=1)
def load() -> LineModel | None:
    """The shipped model, or None when it has not been trained (heuristics alone decide)."""
    if not MODEL_PATH.exists():
        return None
    with open(MODEL_PATH, encoding="utf-8") as f:
        return LineModel(json.load(f))


def explain(page, layout, i: int) -> str:
    """A few words on why a block looks like boilerplate, from what the heuristics saw."""
    s = page.stats[i]
    parts = []
    if layout.headline is not None and i < layout.headline:
        parts.append("before the headline")
    elif layout.tail is not None and i > layout.tail:
        parts.append("after a tail marker")
    elif not layout.start <= i < layout.end:
        parts.append("outside the prose region")
    if layout.runs[i]:
        parts.append("in a run of short lines")
    if s.words < 8:
        parts.append(f"{s.words} words")
    elif s.stop_ratio < 0.15:
        parts.append("few stop words")
    if s.teaser_end:
        parts.append("ends like a teaser")
    elif not s.sentence_end:
        parts.append("no sentence end")
    return ", ".join(parts) or "low prose evidence"

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
import re
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
    "starts_lower", "prev_open", "next_starts_lower", "ends_colon", "quote_start", "title_like",
    "prev2_score", "next2_score", "log_dist_prev_prose", "log_dist_next_prose",
    "prose_before", "prose_after", "wrap_like", "same_indent_prev", "indent_level",
    "short_date", "window_short_share", "window_sentence_share", "window_teasers",
    "after_headline", "log_dist_headline", "prose_mass_near", "first_word_repeats",
    "joins", "log_run_len", "run_colon_intro", "run_digit_share", "run_mean_words",
    "topic_page", "topic_region", "topic_headline", "glued_title", "glued_near",
    "enum_sequence", "date_lead", "date_lead_near",
    "markers_above", "markers_below", "comment_form_above",
)
# Context features over the first stage's probabilities (the second stage reads them).
STACK_FEATURES = ("p", "p_prev", "p_next", "p_prev2", "p_next2", "p_window", "p_before", "p_after")
_WINDOW = 3
# How far (blocks either side) glued_near and date_lead_near look for others of their kind.
_NEIGHBOUR_REACH = 2
# the rule category of a comment form's heading ("Leave a Reply"): the form
# follows the story it is about
_COMMENT_FORM = "comment-form"
_QUOTES = "\"'“”„«»‘’‚‹›"


def features(page, layout) -> list[list[float]]:
    """One feature row per block, in FEATURES order."""
    n = len(page.blocks)
    stats, hits, scores = page.stats, page.hits, layout.scores
    start, end = layout.start, layout.end
    counts: dict[str, int] = {}
    for norm in page.norms:
        counts[norm] = counts.get(norm, 0) + 1
    removed_by_rule = [
        1.0 if hits[i] is not None and hits[i].action != "keep" else 0.0
        for i in range(n)
    ]
    prose_share = sum(1 for x in scores if x >= 0.6) / n
    region_share = (end - start) / n
    log_blocks = math.log1p(n)
    headline = layout.headline if layout.headline is not None else -1
    tail = layout.tail if layout.tail is not None else n
    prose = [scores[i] >= 0.6 for i in range(n)]
    prose_words = [stats[i].words if prose[i] else 0 for i in range(n)]
    total_prose = sum(prose_words) or 1
    before_words = 0
    last_prose = -1
    dist_prev = [0] * n
    for i in range(n):
        dist_prev[i] = i - last_prose if last_prose >= 0 else n
        if prose[i]:
            last_prose = i
    dist_next = [0] * n
    next_prose = -1
    for i in range(n - 1, -1, -1):
        dist_next[i] = next_prose - i if next_prose >= 0 else n
        if prose[i]:
            next_prose = i
    texts = [b.text for b in page.blocks]
    short = [1.0 if st.words <= 6 else 0.0 for st in stats]
    sentence = [1.0 if st.sentence_end and not st.teaser_end else 0.0 for st in stats]
    teaser = [1.0 if st.teaser_end else 0.0 for st in stats]
    first_words: dict[str, int] = {}
    heads = [norm.split(" ", 1)[0] for norm in page.norms]
    for head in heads:
        first_words[head] = first_words.get(head, 0) + 1
    runs = _list_runs(stats, texts)
    page_topics = _topic_counts(stats, [i for i in range(n) if prose[i]])
    region_topics = _topic_counts(stats, [i for i in range(start, end) if prose[i]])
    headline_topic = stats[headline].topic if headline >= 0 else frozenset()
    glued = [1 if st.glued_title else 0 for st in stats]
    sequences = _enumerated_sequences(texts)
    dated = [1 if st.date_lead else 0 for st in stats]
    prefix_prose = [0]
    for w in prose_words:
        prefix_prose.append(prefix_prose[-1] + w)
    # the markers that open a page's trailing sections (share, related,
    # comments) mostly stand below the story: a block with several above it
    # and none below is in the sidebar or footer, even when it reads as prose
    markers = [1 if h is not None and h.action == "tail" else 0 for h in hits]
    markers_above = [0] * n
    for i in range(1, n):
        markers_above[i] = markers_above[i - 1] + markers[i - 1]
    total_markers = sum(markers)
    comment_form = next((i for i, h in enumerate(hits) if markers[i] and h.category == _COMMENT_FORM), n)
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
            float(texts[i][0].islower()),
            float(i > 0 and not stats[i - 1].sentence_end and stats[i - 1].words >= 4),
            float(i + 1 < n and texts[i + 1][0].islower()),
            float(texts[i].endswith(":")),
            float(texts[i][0] in _QUOTES),
            float(layout.title_like[i]),
            scores[i - 2] if i > 1 else 0.0,
            scores[i + 2] if i + 2 < n else 0.0,
            math.log1p(dist_prev[i]),
            math.log1p(dist_next[i]),
            before_words / total_prose,
            (total_prose - before_words - prose_words[i]) / total_prose,
            float(i > 0 and 40 <= s.chars <= 110 and 40 <= stats[i - 1].chars <= 110 and not stats[i - 1].sentence_end),
            float(i > 0 and page.blocks[i].indent == page.blocks[i - 1].indent),
            min(page.blocks[i].indent, 40) / 10,
            float(s.has_date and s.words <= 8),
            _share(short, i, 4),
            _share(sentence, i, 4),
            _share(teaser, i, 4) * 8,
            float(headline >= 0 and i > headline),
            math.log1p(abs(i - headline)) if headline >= 0 else 5.0,
            (prefix_prose[min(n, i + 11)] - prefix_prose[max(0, i - 10)]) / total_prose,
            math.log(first_words[heads[i]]) if heads[i] else 0.0,
            min(s.joins, 5),
            *runs[i],
            _cohesion(stats[i].topic, page_topics, prose[i]),
            _cohesion(stats[i].topic, region_topics, prose[i] and start <= i < end),
            # the story's paragraphs name what its headline names; teasers of
            # other stories rarely do
            math.log1p(len(stats[i].topic & headline_topic)) if i != headline else 0.0,
            float(glued[i]),
            # teaser lists come in runs: glued neighbours make a join a teaser's
            _near(glued, i),
            math.log1p(sequences[i]),
            float(dated[i]),
            # a schedule (tour dates, fixtures) is a run of date-led items
            _near(dated, i),
            math.log1p(markers_above[i]),
            math.log1p(total_markers - markers_above[i] - markers[i]),
            float(i > comment_form),
        ])
        before_words += prose_words[i]
    return rows


# A block of a list: short and not a sentence. Runs of them are menus or link
# lists - or a list of the story (ingredients, dates, results), which is
# introduced by a colon and carries numbers more often.
_LIST_ITEM_WORDS = 8


def _list_runs(stats, texts) -> list[tuple[float, float, float, float]]:
    """Per block: (log run length, run opened by a colon, share of items with digits, mean words)."""
    n = len(stats)
    out = [(0.0, 0.0, 0.0, 0.0)] * n
    i = 0
    while i < n:
        if not (stats[i].words <= _LIST_ITEM_WORDS and not stats[i].sentence_end):
            i += 1
            continue
        j = i
        while j < n and stats[j].words <= _LIST_ITEM_WORDS and not stats[j].sentence_end:
            j += 1
        length = j - i
        colon = 1.0 if i > 0 and texts[i - 1].rstrip().endswith(":") else 0.0
        digits = sum(1 for k in range(i, j) if stats[k].digits) / length
        words = sum(stats[k].words for k in range(i, j)) / length
        row = (math.log1p(length), colon, digits, words)
        for k in range(i, j):
            out[k] = row
        i = j
    return out


_ENUMERATOR = re.compile(r"^\s*\(?(\d{1,3})[.)]\s")
# How far apart (in blocks) two numbered items of one list may stand: an item
# may run over a few blocks (a product's name, its link, its price).
_ENUM_REACH = 4


def _enumerated_sequences(texts) -> list[int]:
    """Per block: the length of the numbered list ("1) …", "2) …") it is part of, else 0.

    A list of the story (a ranking, results, steps) counts its items, up or
    down (a countdown: "10. …", "9. …"); so do "most read" lists, which the
    model tells apart by where they stand.
    """
    n = len(texts)
    numbers = []
    for text in texts:
        found = _ENUMERATOR.match(text)
        numbers.append(int(found.group(1)) if found else None)
    out = [0] * n
    i = 0
    while i < n:
        if numbers[i] is None:
            i += 1
            continue
        count, last = _numbered_run(numbers, i, 1)
        if count == 1:
            count, last = _numbered_run(numbers, i, -1)
        if count > 1:
            for k in range(i, last + 1):  # what stands between items belongs to them
                out[k] = count
            i = last + 1
        else:
            i += 1
    return out


def _numbered_run(numbers: list[int | None], i: int, step: int) -> tuple[int, int]:
    """(items, index of the last item) of the list numbered from block i on by `step`."""
    count, last, expected = 1, i, numbers[i] + step
    j = i + 1
    while j < len(numbers) and j - last <= _ENUM_REACH:
        if numbers[j] == expected:
            count, last, expected = count + 1, j, expected + step
        j += 1
    return count, last


def _topic_counts(stats, blocks: list[int]) -> dict[str, int]:
    """In how many of these blocks each content word occurs."""
    counts: dict[str, int] = {}
    for i in blocks:
        for word in stats[i].topic:
            counts[word] = counts.get(word, 0) + 1
    return counts


def _cohesion(topic: frozenset[str], counts: dict[str, int], counted: bool) -> float:
    """Share of a block's content words that other counted blocks also use.

    The story's lines share its vocabulary (names, places, the subject);
    teasers of other stories, pitches and widgets mostly do not.
    """
    if not topic:
        return 0.0
    own = 1 if counted else 0
    return sum(1 for word in topic if counts.get(word, 0) > own) / len(topic)


def _near(flags: list[int], i: int) -> float:
    """How many flagged blocks stand within _NEIGHBOUR_REACH of block i, the block itself left out."""
    return float(sum(flags[max(0, i - _NEIGHBOUR_REACH):i + _NEIGHBOUR_REACH + 1]) - flags[i])


def _share(flags: list[float], i: int, radius: int) -> float:
    """Share of flagged blocks within `radius` of block i, the block itself left out."""
    lo, hi = max(0, i - radius), min(len(flags), i + radius + 1)
    if hi - lo <= 1:
        return 0.0
    return (sum(flags[lo:hi]) - flags[i]) / (hi - lo - 1)


def stack_features(rows: list[list[float]], probs: list[float]) -> list[list[float]]:
    """The first stage's rows extended with its probabilities around each block."""
    n = len(probs)
    total = sum(probs) or 1.0
    out = []
    before = 0.0
    for i, row in enumerate(rows):
        lo, hi = max(0, i - 5), min(n, i + 6)
        out.append(row + [
            probs[i],
            probs[i - 1] if i > 0 else 0.0,
            probs[i + 1] if i + 1 < n else 0.0,
            probs[i - 2] if i > 1 else 0.0,
            probs[i + 2] if i + 2 < n else 0.0,
            (sum(probs[lo:hi]) - probs[i]) / max(1, hi - lo - 1),
            before / total,
            (total - before - probs[i]) / total,
        ])
        before += probs[i]
    return out


class Trees:
    """One stage of gradient-boosted trees, read from JSON.

    The trees are turned into one Python function of nested comparisons when
    loaded (the way treelite or m2cgen compile trees): walking node arrays
    in a loop costs several times more per block. The function is generated
    only from numbers that were checked to be numbers, so the model file
    cannot smuggle code in.
    """

    def __init__(self, spec: dict, n_features: int):
        if spec.get("kind") != "trees":
            raise ValueError(f"{MODEL_PATH}: unknown model kind {spec.get('kind')!r}")
        self.bias = float(spec["bias"])
        self.trees = [_checked_tree(t, n_features) for t in spec["trees"]]
        self.margins = _compile(self.bias, self.trees, n_features)

    def predict(self, rows: list[list[float]], certain: list[bool] | None = None) -> list[float]:
        exp = math.exp
        if certain is None:
            certain = [False] * len(rows)
        return [
            0.0 if m is None else 1.0 / (1.0 + exp(-max(-30.0, min(30.0, m))))
            for m in self.margins(rows, certain)
        ]


def _checked_tree(tree, n_features: int):
    feature, threshold, left, right, value = tree
    n = len(feature)
    if not all(len(a) == n for a in (threshold, left, right, value)):
        raise ValueError(f"{MODEL_PATH}: malformed tree")
    feature = [int(f) for f in feature]
    left = [int(x) for x in left]
    right = [int(x) for x in right]
    threshold = [float(x) for x in threshold]
    value = [float(x) for x in value]
    if not all(math.isfinite(x) for x in threshold + value):
        raise ValueError(f"{MODEL_PATH}: tree holds a number that is not finite")
    for i in range(n):
        if left[i] >= 0 and not (0 <= feature[i] < n_features and 0 < left[i] < n and 0 < right[i] < n):
            raise ValueError(f"{MODEL_PATH}: malformed tree node")
    return feature, threshold, left, right, value


def _compile(bias: float, trees, n_features: int):
    """margins(rows, skip): the summed tree outputs per row, None where skip is true.

    Each row is unpacked into local variables once: a comparison on a local
    costs less than indexing the row list at every node.
    """
    names = ", ".join(f"x{i}" for i in range(n_features))
    lines = [
        "def margins(rows, skip):",
        "    out = []",
        "    append = out.append",
        "    for x, sk in zip(rows, skip):",
        "        if sk:",
        "            append(None)",
        "            continue",
        f"        {names}, = x",
        f"        s = {bias!r}",
    ]

    def emit(tree, node, depth):
        feature, threshold, left, right, value = tree
        pad = "    " * depth
        if left[node] < 0:
            lines.append(f"{pad}s += {value[node]!r}")
            return
        lines.append(f"{pad}if x{feature[node]} <= {threshold[node]!r}:")
        emit(tree, left[node], depth + 1)
        lines.append(f"{pad}else:")
        emit(tree, right[node], depth + 1)

    for tree in trees:
        emit(tree, 0, 2)
    lines += ["        append(s)", "    return out"]
    namespace: dict = {}
    exec(compile("\n".join(lines), f"<{MODEL_PATH.name}>", "exec"), {"__builtins__": {"zip": zip}}, namespace)
    return namespace["margins"]


# A first-stage probability this close to 0 or 1 is final: the second stage,
# which adds the neighbours' verdicts, overturned 8 of 97,919 such blocks of
# the development dumps, and evaluating it on them cost a third of the
# prediction time.
SURE = 0.01


class LineModel:
    """Two stages: the block alone and its surroundings, then the same with the
    first stage's verdicts on the neighbours (a cheap stand-in for a sequence model)."""

    def __init__(self, spec: dict):
        if tuple(spec["features"]) != FEATURES or tuple(spec.get("stack_features", ())) != STACK_FEATURES:
            raise ValueError(f"{MODEL_PATH}: model was trained on other features; retrain it")
        self.threshold = float(spec.get("threshold", 0.5))
        self.stage1 = Trees(spec["stage1"], len(FEATURES))
        self.stage2 = Trees(spec["stage2"], len(FEATURES) + len(STACK_FEATURES)) if spec.get("stage2") else None

    def predict(self, rows: list[list[float]], certain: list[bool] | None = None) -> list[float]:
        """Probability per row; rows flagged `certain` (boilerplate by rule) are 0 without evaluation."""
        if certain is None:
            certain = [False] * len(rows)
        probs = self.stage1.predict(rows, certain)
        if self.stage2 is None:
            return probs
        # the second stage only refines what the first is unsure of
        sure = [c or not SURE <= p <= 1.0 - SURE for c, p in zip(certain, probs)]
        refined = self.stage2.predict(stack_features(rows, probs), sure)
        return [p if s and not c else r for p, r, s, c in zip(probs, refined, sure, certain)]


@functools.lru_cache(maxsize=1)
def load() -> LineModel | None:
    """The shipped model, or None when it has not been trained (heuristics alone decide)."""
    if not MODEL_PATH.exists():
        return None
    with open(MODEL_PATH, encoding="utf-8") as f:
        spec = json.load(f)
    if not matches_features(spec):
        # a model from another feature set would score garbage: heuristics alone decide
        # (tests/test_linemodel.py fails on this, so a release never ships it)
        return None
    return LineModel(spec)


def matches_features(spec: dict) -> bool:
    return tuple(spec.get("features", ())) == FEATURES and tuple(spec.get("stack_features", ())) == STACK_FEATURES


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
    if s.glued_title:
        parts.append("a headline run into its summary, like a teaser")
    if s.teaser_end:
        parts.append("ends like a teaser")
    elif not s.sentence_end:
        parts.append("no sentence end")
    return ", ".join(parts) or "low prose evidence"

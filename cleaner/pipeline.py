"""The explicit chain: rules -> prose region -> tail -> headline -> judgement -> guard.

`judge(blocks, ...)` labels every block kept or removed (with the id of the
rule or heuristic and a reason); `run` repeats it on the kept blocks until
nothing more goes, which is what makes cleaning idempotent.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from . import heuristics as H
from . import linemodel
from .features import TextStats, guess_language, language_hits, stop_list, text_stats
from .model import Block
from .normalize import normalize
from .rules import Matcher, Rule, RuleSet, load_builtin, select_rulesets

# Passes of judge() before giving up on reaching a fixed point. Pages need 2-3;
# random text has been seen to need 9. Each pass removes at least one block,
# so the bound only matters against inputs built to chain removals.
MAX_PASSES = 64


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: str  # rule or heuristic id
    reason: str


@dataclass(slots=True)
class Page:
    """What the judgement reads about one page; built once per pass."""

    blocks: list[Block]
    norms: list[str]
    stats: list[TextStats]
    hits: list[Rule | None]
    lang: str | None
    rulesets: tuple[str, ...]
    # another story's teaser, by the heuristic that says so (a run of glued
    # teasers, a summary closed by its read-more link), or the author's
    # biography, else None
    teasers: list[H.Heuristic | None]
    cards: list[int]  # a card of a feed of story cards: the feed's number of cards (titles), else 0 (heuristics.card_runs)
    card_summaries: list[bool]  # a card's summary paragraph in a feed of title-case cards


@functools.lru_cache(maxsize=64)
def matcher_for(rulesets: tuple[RuleSet, ...]) -> Matcher:
    """The compiled matcher of these sets, in this order (built once per process)."""
    return Matcher(rulesets)


class _Memo:
    """Per-block work shared by the passes of one run (each pass sees a subset of blocks).

    A pass must judge exactly as a fresh call on its blocks would (that is
    what makes cleaning idempotent), so only what depends on the block alone
    is remembered: its normal form, its stop-word hits per language, its
    statistics under a given language, its rule match under a given set of
    rules, whether a read-more label closes it.
    """

    def __init__(self):
        self.norms: dict[int, str] = {}
        self.stats: dict[tuple[int, str | None], TextStats] = {}
        self.hits: dict[tuple[int, int], Rule | None] = {}
        self.read_more: dict[int, bool] = {}  # ends in a read-more label (heuristics.ends_in_read_more)
        self.languages: dict[str, tuple] = {}  # language_hits per block text

    def language_hits(self, text: str):
        found = self.languages.get(text)
        if found is None:
            found = self.languages[text] = language_hits(text)
        return found


def read_page(blocks: list[Block], rulesets: tuple[RuleSet, ...], url: str | None, memo=None) -> Page:
    memo = memo or _Memo()
    norms = []
    for b in blocks:
        norm = memo.norms.get(b.index)
        if norm is None:
            norm = memo.norms[b.index] = normalize(b.text)
        norms.append(norm)
    lang = guess_language((b.text for b in blocks), memo.language_hits)
    stop = stop_list(lang)
    stats = []
    for b in blocks:
        key = (b.index, lang)
        st = memo.stats.get(key)
        if st is None:
            st = memo.stats[key] = text_stats(b.text, stop)
        stats.append(st)
    active = active_rulesets(rulesets, norms, url, lang)
    matcher = matcher_for(active)
    hits = []
    for b, norm in zip(blocks, norms):
        key = (b.index, id(matcher))
        if key not in memo.hits:
            memo.hits[key] = matcher.match(norm, b.text) if norm else None
        hits.append(memo.hits[key])
    for i in H.author_boxes(blocks, stats, hits):
        hits[i] = H.AUTHOR_BOX
    closed = []
    for b, norm, st in zip(blocks, norms, stats):
        if st.words < H.TEASER_LINK_MIN_WORDS:
            closed.append(False)
            continue
        found = memo.read_more.get(b.index)
        if found is None:
            found = memo.read_more[b.index] = H.ends_in_read_more(b.text, norm)
        closed.append(found)
    teasers: list[H.Heuristic | None] = [
        H.TEASER_RUN if run else H.TEASER_LINK if link and hit is None else None
        for run, link, hit in zip(H.teaser_runs(stats), closed, hits)
    ]
    # the author's biography under the story goes like another story's teaser
    for i in H.author_bios(blocks, stats, hits):
        teasers[i] = teasers[i] or H.AUTHOR_BIO
    recognised = tuple(rs.id for rs in active if rs.scope != "generic")
    cards, card_summaries = H.card_runs(norms, stats)
    return Page(blocks, norms, stats, hits, lang, recognised, teasers, cards, card_summaries)


def active_rulesets(rulesets: tuple[RuleSet, ...], norms: list[str], url: str | None, lang: str | None) -> tuple[RuleSet, ...]:
    """The sets that apply to this page, in the order their rules are tried.

    User sets first, then the page language's phrase set: where several sets
    know a phrase ("Home"), the removal names the rule (and reason) in the
    page's language.
    """
    return tuple(sorted(select_rulesets(rulesets, norms, url), key=lambda rs: (rs.builtin, lang not in rs.languages)))


def rule_verdict(rule: Rule) -> Verdict:
    return Verdict(rule.id, rule.reason)


@dataclass(slots=True)
class Layout:
    """Where things stand on a page: the hand heuristics' reading of it."""

    verdicts: list[Verdict | None]  # the heuristics' verdict per block
    scores: list[float]  # prose score per block (0 for rule hits)
    start: int  # the densest prose region, [start, end)
    end: int
    tail: int | None  # the tail marker that closes the article
    headline: int | None
    runs: list[bool]  # in a run of short title-like lines
    title_like: list[bool]  # could be a headline by its shape
    protected: list[bool]  # attribution (a keep rule, a byline) next to the article


def analyse(page: Page) -> Layout:
    """The heuristic pass: rules, prose region, tail, headline, short-line runs."""
    n = len(page.blocks)
    verdicts: list[Verdict | None] = [None] * n
    stats, hits = page.stats, page.hits

    # 1. rules: drop and tail markers go; keep rules are decided below
    for i, rule in enumerate(hits):
        if rule is not None and rule.action != "keep":
            verdicts[i] = rule_verdict(rule)
    # another story's teaser goes like a rule hit: it is no prose of the story
    for i, teaser in enumerate(page.teasers):
        if teaser is not None and verdicts[i] is None:
            verdicts[i] = Verdict(teaser.id, teaser.reason)
    # so does a newsletter box's heading over the pitch a rule found
    for i in H.newsletter_headings(page.norms, stats, hits):
        if verdicts[i] is None:
            verdicts[i] = Verdict(H.NEWSLETTER_HEADING.id, H.NEWSLETTER_HEADING.reason)

    # 2. the densest prose region
    scores = [0.0 if verdicts[i] else H.prose_score(s) for i, s in enumerate(stats)]
    weights = [H.RULE_HIT_WEIGHT if verdicts[i] else H.region_weight(scores[i], stats[i], hits[i]) for i in range(n)]
    # a long feed of story cards is no prose of the story: its cards cut the
    # region like rule hits, and its summaries, between them, stay out of it.
    # (A summary keeps its weight: the first paragraph under the last card
    # may be the story's own, and the region takes it when the story goes on.)
    for i, feed_cards in enumerate(page.cards):
        if feed_cards >= H.CARD_FEED_MIN_CARDS and not verdicts[i]:
            weights[i] = H.RULE_HIT_WEIGHT
    # so do the date lines of a feed of dated teasers, and its summaries do
    # not add to it
    dates, in_feed = H.dated_feeds(page.norms, stats, hits)
    for i in range(n):
        if dates[i] and not verdicts[i]:
            weights[i] = H.RULE_HIT_WEIGHT
        elif in_feed[i]:
            weights[i] = min(weights[i], 0.0)
    # a table of contents neither adds to the story's prose nor cuts it in two
    for i, entry in enumerate(H.toc_entries(page.norms, stats, scores)):
        if entry and not verdicts[i]:
            weights[i] = 0.0
    start, end = H.densest_region(weights)
    # the feed's blocks under the story's region are other stories' teasers
    # (above it, the feed may have taken a short story's own date line)
    if end > start:
        for i in range(end, n):
            if in_feed[i] and verdicts[i] is None:
                verdicts[i] = Verdict(H.DATED_FEED.id, H.DATED_FEED.reason)
    if end <= start:
        for i in range(n):
            if verdicts[i] is None and scores[i] < H.OUTSIDE_MIN_SCORE:
                verdicts[i] = Verdict(H.NOT_PROSE.id, H.NOT_PROSE.reason)
        return Layout(verdicts, scores, 0, 0, None, None, [False] * n, _title_like(stats), [False] * n)
    end = H.trim_region_end(start, end, stats, hits)
    start = H.trim_region_start(start, end, stats)
    # a thin region right under "Related articles" is its list: the story is
    # above, and the marker closes it
    list_marker = H.list_under_marker(start, end, stats, hits)
    if list_marker is not None:
        above_start, above_end = H.densest_region(weights[:list_marker])
        if above_end > above_start:
            end = H.trim_region_end(above_start, above_end, stats, hits)
            start = H.trim_region_start(above_start, end, stats)
        else:
            list_marker = None

    # 3. tail: a marker after the article's prose closes it
    tail = H.find_tail(start, end, scores, stats, hits)
    if list_marker is not None and (tail is None or tail > list_marker):
        tail = list_marker
    if tail is not None:
        marker = hits[tail]
        reason = f"{H.TAIL_SECTION.reason}: after {page.blocks[tail].text[:40]!r} ({marker.id})"
        for i in range(tail + 1, n):
            if verdicts[i] is None:
                verdicts[i] = Verdict(H.TAIL_SECTION.id, reason)
        # the widgets between the article's last sentence and the marker (a
        # "next post" link, share labels) open the tail too
        for i in H.lead_in_to_tail(tail, stats, hits):
            if verdicts[i] is None:
                verdicts[i] = Verdict(H.TAIL_SECTION.id, f"{H.TAIL_SECTION.reason}: stands between the article's end and {page.blocks[tail].text[:40]!r}")
        end = min(end, tail)

    # 4. the headline, and the chrome before it
    bylines = [H.is_byline(b.text) for b in page.blocks]
    # a byline is not the headline; but "Di Maio, Salvini e Conte al vertice"
    # reads like one too, so only a dated or short one is passed over
    not_headlines = [by and (s.has_date or s.words <= H.BYLINE_SHORT_WORDS) for by, s in zip(bylines, stats)]
    headline = H.find_headline(start, page.norms, stats, verdicts, not_headlines)
    first = headline if headline is not None else start
    # the story's lead under its headline may end in an expander link
    # ("… on Monday. Read more"): it is no teaser of another story
    if headline is not None:
        for i in range(headline + 1, start + 1):
            if verdicts[i] is not None and verdicts[i].rule == H.TEASER_LINK.id:
                verdicts[i] = None
    for i in range(first):
        # prose before the headline is judged below like any block outside the region
        if verdicts[i] is None and scores[i] < H.OUTSIDE_MIN_SCORE:
            verdicts[i] = Verdict(H.BEFORE_HEADLINE.id, H.BEFORE_HEADLINE.reason)

    # a feed of story cards goes like a rule hit; the headline, which a page
    # may show twice (hero and metadata) like a card, is not one of them
    # a card's summary, which reads as prose, goes only outside the story's
    # prose region: a picture inside the story has a card's shape too
    for i, (card, summary) in enumerate(zip(page.cards, page.card_summaries)):
        if summary and start <= i < end:
            continue
        if (card or summary) and verdicts[i] is None and i != headline and not (hits[i] is not None and hits[i].action == "keep"):
            verdicts[i] = Verdict(H.CARD_RUN.id, H.CARD_RUN.reason)

    # 5. everything else: inside the region prose and short in-body lines stay,
    #    runs of short lines go; outside it only sentences and attribution stay
    runs = H.short_line_runs(stats, verdicts)
    protected = [False] * n
    for i in range(n):
        if verdicts[i] is not None or i == headline:
            continue
        s = stats[i]
        if hits[i] is not None and hits[i].action == "keep" and H.next_to_article(i, start, end, verdicts):
            protected[i] = True
        elif bylines[i] and (H.next_to_article(i, start, end, verdicts) or (headline is not None and headline < i < start)):
            protected[i] = True  # the byline under the headline or closing the body
        elif start <= i < end:
            if runs[i]:
                verdicts[i] = Verdict(H.SHORT_LINE_RUN.id, H.SHORT_LINE_RUN.reason)
            elif scores[i] < H.IN_REGION_MIN_SCORE and s.words < 2:
                verdicts[i] = Verdict(H.NOT_PROSE.id, H.NOT_PROSE.reason)
        elif headline is not None and headline < i < start:
            if scores[i] < H.LEAD_MIN_SCORE:
                verdicts[i] = Verdict(H.NOT_PROSE.id, H.NOT_PROSE.reason)
        elif not (scores[i] >= H.OUTSIDE_MIN_SCORE and s.sentence_end and not s.teaser_end):
            verdicts[i] = Verdict(H.OUTSIDE_ARTICLE.id, H.OUTSIDE_ARTICLE.reason)
    return Layout(verdicts, scores, start, end, tail, headline, runs, _title_like(stats), protected)


def _title_like(stats) -> list[bool]:
    return [H.headline_score(s) > 0 for s in stats]


# Heuristic verdicts the line model does not judge again: what follows a tail
# marker, the teasers of other stories, the author's biography and a
# newsletter box's heading.
_FINAL_HEURISTICS = frozenset((
    H.TAIL_SECTION.id, H.TEASER_RUN.id, H.TEASER_LINK.id, H.CARD_RUN.id, H.DATED_FEED.id, H.AUTHOR_BIO.id,
    H.NEWSLETTER_HEADING.id,
))


def judge(page: Page, threshold: float | None = None) -> list[Verdict | None]:
    """One pass: a Verdict for every removed block, None for every kept one.

    Final without the model: rule hits, what follows a tail marker, the
    teasers of other stories (a run of glued teasers, a summary closed by its
    read-more link, a feed of story cards or of dated teasers), the author's
    biography, a newsletter box's heading, the headline, the lead under it,
    attribution next to the article. For every other block the line model,
    which reads the heuristics' layout as evidence, has the last word; when
    it removes a block the heuristics kept, the removal says so. `threshold`,
    when given, replaces the model's own (the guards around it still apply).
    """
    n = len(page.blocks)
    if n == 0:
        return []
    layout = analyse(page)
    model = linemodel.load()
    verdicts = list(layout.verdicts)
    if model is not None:
        # rule hits are final: the model reads them as certain boilerplate
        # (probability 0) and spends no time on them
        certain = [h is not None and h.action != "keep" for h in page.hits]
        probs = model.predict(linemodel.features(page, layout), certain)
        # the raised bar below the region: only where there is a region, and
        # not under a lower bar given for a chrome-free page (it has no chrome below)
        chrome_below = threshold is None and layout.end > layout.start and H.chrome_below(layout.end, page.hits)
        listed = H.introduced_lists(layout.start, layout.end, page.stats, [b.text for b in page.blocks], page.hits)
        for i, p in enumerate(probs):
            if page.hits[i] is not None and page.hits[i].action != "keep":
                continue  # a rule hit is final
            if i == layout.headline or layout.protected[i]:
                continue  # the headline, and attribution next to the article, stay
            if verdicts[i] is not None and verdicts[i].rule in _FINAL_HEURISTICS:
                continue  # a tail marker closed the article, or another story's teaser: not judged again
            if i == layout.start and layout.headline is not None and H.strong_prose(page.stats[i]) and verdicts[i] is None:
                continue  # the lead: the first paragraph of prose under the headline stays
            needed = model.threshold if threshold is None else threshold
            if layout.start <= i < layout.end and H.strong_prose(page.stats[i]):
                # when unsure, a paragraph of the story's prose region stays
                needed = min(needed, H.REGION_PROSE_THRESHOLD)
            elif layout.start <= i < layout.end and layout.title_like[i] and H.between_prose(i, page.stats, page.hits):
                needed = min(needed, H.SUBHEADING_THRESHOLD)
            elif listed[i]:
                needed = min(needed, H.LIST_ITEM_THRESHOLD)
            elif i >= layout.end and chrome_below and H.short_line_below_region(page.stats[i]):
                needed = max(needed, H.BELOW_REGION_LINE_THRESHOLD)
            if p >= needed:
                verdicts[i] = None
            elif verdicts[i] is None:
                verdicts[i] = Verdict(H.LINE_MODEL.id, f"{H.LINE_MODEL.reason} (p={p:.2f}: {linemodel.explain(page, layout, i)})")
    # the page's <title> ("Headline - Site") says the headline again
    # and a breadcrumb trail run into the headline says it again too; when
    # the block taken for the headline is that trail, the headline under it stays
    if layout.headline is not None:
        headline = page.norms[layout.headline]
        headline_text = page.blocks[layout.headline].text
        for i in range(n):
            if verdicts[i] is None and H.is_page_title(page.norms[i], headline):
                verdicts[i] = Verdict(H.PAGE_TITLE.id, H.PAGE_TITLE.reason)
            elif verdicts[i] is None and i != layout.headline and H.is_breadcrumb_title(page.blocks[i].text, headline_text):
                verdicts[i] = Verdict(H.BREADCRUMB_TITLE.id, H.BREADCRUMB_TITLE.reason)
        for j in range(layout.headline + 1, min(n, layout.headline + 1 + H.BREADCRUMB_REACH)):
            if verdicts[j] is None and H.is_breadcrumb_title(headline_text, page.blocks[j].text):
                verdicts[layout.headline] = Verdict(H.BREADCRUMB_TITLE.id, H.BREADCRUMB_TITLE.reason)
                break
    # a block repeated (the headline shown twice, a teaser) is kept once;
    # but a line the story's prose region itself repeats (a recipe's "Eat
    # every 2-3 hours" under each meal, its "Pre-Workout Meal" subheadings, a
    # refrain) is the story's. A teaser shown twice inside the region stays
    # twice too: telling it from the story's own repeats by its shape (does
    # it read like a headline, is it short) loses more of the stories'
    # subheadings than it saves, and a removal inside the region can split
    # the region on the next pass. The copy kept is the first one inside the
    # region when there is one: the lead shown first as a teaser above the
    # story stays where the story has it; the headline and attribution next
    # to the article stay where they are.
    in_region = range(layout.start, layout.end)
    kept_copy: dict[str, int] = {}
    if layout.headline is not None:
        kept_copy[page.norms[layout.headline]] = layout.headline
    for i in range(n):
        if verdicts[i] is None and page.stats[i].words:
            seen = kept_copy.setdefault(page.norms[i], i)
            fixed = seen == layout.headline or layout.protected[seen]
            if seen not in in_region and i in in_region and not fixed:
                kept_copy[page.norms[i]] = i
    # A block said twice in a row, though, is the page's doubling (a
    # headline or a pull quote shown as text and again as its caption), not
    # the story's refrain: the second copy goes even inside the region.
    previous = None  # the last block kept so far
    for i in range(n):
        if verdicts[i] is None and page.stats[i].words:
            kept = kept_copy[page.norms[i]]
            story_repeat = kept in in_region and i in in_region
            doubled = previous is not None and page.norms[previous] == page.norms[i]
            if kept != i and (not story_repeat or doubled):
                verdicts[i] = Verdict(H.DUPLICATE.id, H.DUPLICATE.reason)
            else:
                previous = i
    return verdicts


def run(blocks: list[Block], rulesets: tuple[RuleSet, ...], url: str | None = None):
    """Judge until a fixed point: (kept blocks, {index: Verdict}, recognised sets).

    A page on which no rule finds chrome (chrome_free) is mostly its story
    already (main content extracted from HTML, a page cleaned before): a
    pass judges it with the lower bar CHROME_FREE_THRESHOLD for the line
    model. Each pass decides on its own page, so the last one, which removes
    nothing, judged the output exactly as a fresh call on the output will.

    Learned site templates act before this (templates.prefilter): the blocks
    they claim never reach the judgement.
    """
    removed: dict[int, Verdict] = {}
    current = blocks
    recognised: tuple[str, ...] = ()
    memo = _Memo()
    for _ in range(MAX_PASSES):
        page = read_page(current, rulesets, url, memo)
        if not recognised:
            recognised = page.rulesets
        # decided on each pass's page, as a fresh reading of it would decide
        bar = H.CHROME_FREE_THRESHOLD if chrome_free(page, rulesets) else None
        verdicts = H.guard_over_pruning(page, judge(page, bar))
        if all(v is None for v in verdicts) and all(b.indent == 0 for b in current):
            break
        kept = []
        for block, verdict in zip(current, verdicts):
            if verdict is None:
                kept.append(block)
            else:
                removed[block.index] = verdict
        # the output carries no indentation: later passes judge the kept blocks
        # exactly as a fresh call on the output would (that is idempotence)
        current = [b if b.indent == 0 else Block(b.index, b.text, 0) for b in kept]
    return current, removed, recognised


def chrome_free(page: Page, rulesets: tuple[RuleSet, ...]) -> bool:
    """No rule finds chrome on the page, and the rules know its language.

    On a page in a language no phrase set covers (Russian, Chinese), the
    rules find nothing whatever the page holds.
    """
    if any(h is not None and h.action != "keep" for h in page.hits):
        return False
    return page.lang is not None and any(page.lang in rs.languages for rs in rulesets if rs.scope == "generic")


def default_rulesets() -> tuple[RuleSet, ...]:
    return load_builtin()

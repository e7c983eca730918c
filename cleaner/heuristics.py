"""Generic heuristics: work on any site and language without a rule.

Each heuristic has an id (what a removal record names) and a reason (what a
person reads). The pipeline calls them in a fixed order; see pipeline.py.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .features import WORD, TextStats, word_list
from .normalize import content_end, normalize
from .rules import Rule


@dataclass(frozen=True, slots=True)
class Heuristic:
    id: str
    reason: str


BEFORE_HEADLINE = Heuristic("before-headline", "site chrome before the headline (menu, category, date, site name)")
TAIL_SECTION = Heuristic("tail-section", "after a marker that opens a trailing section (comments, related, most read)")
DUPLICATE = Heuristic("duplicate", "repeats a block already kept (a headline or teaser shown twice)")
OUTSIDE_ARTICLE = Heuristic("outside-article", "outside the article's prose region and does not read as prose")
SHORT_LINE_RUN = Heuristic("short-line-run", "in a run of short title-like lines (menu, link list, teasers)")
NOT_PROSE = Heuristic("not-prose", "too short or too list-like to be article text")
LINE_MODEL = Heuristic("line-model", "the line model scores it as boilerplate")
PAGE_TITLE = Heuristic("page-title", "the page's title: the headline with the site's name")
BREADCRUMB_TITLE = Heuristic("breadcrumb-title", "the headline again, after a breadcrumb trail or section label")
TEASER_RUN = Heuristic("teaser-run", "one of a run of teasers, each a headline run into its summary")
TEASER_LINK = Heuristic("teaser-read-more", "a summary closed by its read-more link: another story's teaser")
CARD_RUN = Heuristic("card-run", "in a feed of story cards, each showing its title twice")
NEWSLETTER_HEADING = Heuristic(
    "newsletter-heading", "the heading of a newsletter box: a name ending in 'Newsletter' over its pitch"
)
AUTHOR_BIO = Heuristic("author-bio", "a biography of the author or publisher: a byline's name, then is / ist / est …")
DATED_FEED = Heuristic("dated-feed", "in a feed of dated teasers, the same date on card after card")
# An author box's heading is found by its shape (an intro and a capitalised
# name), which a rule file's pattern cannot see: rules read the lower-cased
# text. It acts as a tail marker does, so it takes a rule's form.
AUTHOR_BOX = Rule(
    id="author-box", ruleset="heuristics", category="author-box", action="tail", match="line",
    phrases=(), pattern=None, max_chars=80,
    reason="an author box's heading (an intro and the author's name): the biography and what follows close the story",
    lang=None, examples=(), counter_examples=(), where=__file__,
)

# A teaser card renders in a dump as its headline glued to its summary
# ("…Student-AthleteA 24-year-old woman…"). One such block may be a story's
# sentence with a brand in it; TEASER_RUN_MIN glued blocks or more, each
# within two blocks of the next, are a list of other stories.
TEASER_RUN_MIN = 3
# Story cards: a title of CARD_TITLE_MIN_WORDS to CARD_TITLE_MAX_WORDS words
# repeated two to CARD_REPEAT_REACH blocks further on; CARD_RUN_MIN of them
# with different titles, each within CARD_RUN_GAP blocks of the last, make a
# feed.
CARD_TITLE_MIN_WORDS = 3
CARD_TITLE_MAX_WORDS = 25
CARD_REPEAT_REACH = 3
CARD_RUN_GAP = 8
CARD_RUN_MIN = 3
# the share of capitalised words that sets a card's title in title case
CARD_TITLE_CASE_SHARE = 0.75
# ... and the longest paragraph such a card's summary may be
CARD_SUMMARY_MAX_WORDS = 60
# A feed of this many cards or more is no story's pictures: its cards cut the
# story's prose region like rule hits (a story with three or four pictures
# captioned in title case has the shape of a short feed)
CARD_FEED_MIN_CARDS = 5
# A prose region that starts within MARKER_REACH blocks under a tail marker
# and holds fewer than THIN_REGION_MAX_STRONG paragraphs of strong prose and
# THIN_REGION_MAX_WORDS words is thin: the marker's list, when the story's
# prose stands above the marker.
MARKER_REACH = 3
# markers that head a list of other stories; a comment count or a comment
# form's heading can stand above a short story, with a blurb above it
LIST_MARKER_CATEGORIES = frozenset(("related", "most-read"))
THIN_REGION_MAX_STRONG = 3
THIN_REGION_MAX_WORDS = 150
# A block of this many words or more that ends in a read-more label
# ("… Weiterlesen …", "… a week. Read More") is a summary with its link; a
# shorter one is a label or a button row, which the rules judge. The labels
# are data. A story's own lead under its headline can end in an expander
# link too: the pipeline spares the lead.
TEASER_LINK_MIN_WORDS = 8
TEASER_LINK_LABELS_FILE = Path(__file__).parent / "data" / "teaser_link_labels.txt"
# what may stand between a summary's last sentence and the label ...
_SENTENCE_CLOSE = frozenset(".!?…;)]»\"”“'’")
# ... not what introduces words of the sentence ("… said: Read more…")
_LABEL_INTRO = frozenset(":«„“‘\"'(")
# ... and what may follow the label: nothing, or the marks of a link
_LINK_MARKS = frozenset(("", "…", "...", "»", "»»", "›", "→", ">", ">>", "… →"))

# An author box's heading: an intro ("About", "Über", "Sobre") and the
# author's name, one to AUTHOR_BOX_MAX_NAME_WORDS capitalised words.
AUTHOR_BOX_INTROS_FILE = Path(__file__).parent / "data" / "author_box_intros.txt"
AUTHOR_BOX_MIN_NAME_WORDS = 2
AUTHOR_BOX_MAX_NAME_WORDS = 4
# the blocks under the heading that hold the biography (a name line, the bio)
AUTHOR_BIO_BLOCKS = 3

# An author's biography with no heading: a block that opens with the name a
# byline of the page gives, then a verb ("Brigit Katz is a freelance writer
# based in Toronto.", "Inga Buller ist Head of Social & Community bei CHIP.").
AUTHOR_BIO_VERBS_FILE = Path(__file__).parent / "data" / "author_bio_verbs.txt"
AUTHOR_BIO_MIN_WORDS = 6
# a block that is the name alone ("Dallas Robinson"), this many blocks above
# the biography at most, names the author too
BARE_NAME_MAX_WORDS = 4
AUTHOR_BIO_NAME_REACH = 2

BYLINE_INTROS_FILE = Path(__file__).parent / "data" / "keep" / "byline_intros.txt"
BYLINE_MAX_CHARS = 120
# A byline this short ("By John Smith") is never taken for the headline.
BYLINE_SHORT_WORDS = 5

# Prose thresholds (jusText uses 70 chars / 0.30 stop-word density for "good";
# page dumps carry many one-sentence paragraphs, so the bar is lower here).
PROSE_MIN_WORDS = 8
PROSE_MIN_STOP_RATIO = 0.15
LONG_PROSE_WORDS = 25
# A "short line": what menus, link lists and teaser headlines are made of.
SHORT_LINE_WORDS = 6
# How many short lines in a row make a run (a link list) rather than a subheading.
SHORT_RUN_MIN = 3
# How far before the article's first prose block a headline may stand.
HEADLINE_LOOKBACK = 12
HEADLINE_MIN_WORDS = 2
HEADLINE_MAX_WORDS = 30
SEPARATED_HEADLINE_PENALTY = 0.25
# Prose after a tail marker, as a share of the article's prose before it,
# below which the marker is taken to close the article.
TAIL_MAX_PROSE_SHARE = 0.35


def prose_score(s: TextStats) -> float:
    """How much a block reads like article prose, 0..1, from its text alone."""
    if s.words == 0:
        return 0.0
    score = 0.0
    if s.words >= PROSE_MIN_WORDS:
        score += 0.35
    if s.words >= LONG_PROSE_WORDS:
        score += 0.2
    if s.stop_ratio >= PROSE_MIN_STOP_RATIO:
        score += 0.25
    if s.sentence_end:
        score += 0.15
    if s.commas:
        score += 0.05
    if s.teaser_end:
        score -= 0.25
    if s.separators >= 2 or s.urlish:
        score -= 0.2
    if s.all_caps:
        score -= 0.2
    return max(0.0, min(1.0, score))


def teaser_runs(stats: list[TextStats]) -> list[bool]:
    """Glued teasers in a chain of TEASER_RUN_MIN+ glued blocks, each within two blocks of the next.

    A chain, not a window around each block: the list's first and last
    teasers have fewer neighbours than the middle ones, and a section label
    ("Autos") between two teasers does not cut the list in two.
    """
    reach = 2
    out = [False] * len(stats)
    chain: list[int] = []
    for i, s in enumerate(stats):
        if not s.glued_title:
            continue
        if chain and i - chain[-1] > reach:
            _mark_chain(chain, out)
            chain = []
        chain.append(i)
    _mark_chain(chain, out)
    return out


def _mark_chain(chain: list[int], out: list[bool]) -> None:
    if len(chain) >= TEASER_RUN_MIN:
        for i in chain:
            out[i] = True


@functools.lru_cache(maxsize=1)
def _teaser_link_labels() -> tuple[frozenset[str], tuple[int, ...]]:
    labels = frozenset(normalize(line) for line in word_list(TEASER_LINK_LABELS_FILE))
    return labels, tuple(sorted({len(label) for label in labels}))


def ends_in_read_more(text: str, norm: str) -> bool:
    """Does a read-more label close the block ("… for a week. Read more", "… und Eigentum Weiterlesen …")?

    The label counts only where it cannot be the sentence's own words:
    nothing but a link's marks (an ellipsis, an arrow) follows it, and a
    sentence ends right before it, or it is capitalised and such a mark
    closes it ("… to learn more." and "… wie Sie hier mehr erfahren" are
    sentences, and so is "… he said: Read more…"; a closing » of a
    quotation opened in the block is no link mark).
    """
    labels, lengths = _teaser_link_labels()
    end = content_end(text)
    body, marks = text[:end], text[end:].strip()
    if marks not in _LINK_MARKS or ("»" in marks and body.count("«") > body.count("»")):
        return False
    n = len(norm)
    for length in lengths:
        if length >= n:
            break
        tail = norm[n - length:]
        if tail not in labels or norm[n - length - 1].isalnum():
            continue
        label, before = body[len(body) - length:], body[: len(body) - length].rstrip()
        if not before or normalize(label) != tail:
            continue  # the text's own spelling differs from its normal form: leave it
        if before[-1] in _SENTENCE_CLOSE:
            return True
        if marks and label[0].isupper() and before[-1] not in _LABEL_INTRO:
            return True
    return False


def card_runs(norms: list[str], stats: list[TextStats]) -> tuple[list[int], list[bool]]:
    """The cards of feeds of story cards, each card showing its title twice, and their summaries.

    The first list gives, for each block of a card, the number of cards
    (distinct titles) in its feed, 0 for a block of no card.

    A card's title comes as its link and again as its heading, with a label
    between ("Koala Rescued From Bushfire", "A NATIONAL TRAGEDY", "Koala
    Rescued From Bushfire"). CARD_RUN_MIN cards with different titles, each
    within CARD_RUN_GAP blocks of the last and with no paragraph of strong
    prose between them, are a feed. Only the cards go, from a title to its
    second copy; what stands between two cards is left to the rest of the
    judgement. Pictures inside a story (alt text, credit, caption) have a
    card's shape, but the story's paragraphs stand between them. A headline
    the page repeats is one title, not a feed.

    A feed whose titles are all set in title case ("Watching This Koala Get
    Rescued From A Bushfire") may give each card one paragraph, its summary
    (up to CARD_SUMMARY_MAX_WORDS words), under the second copy: such
    paragraphs are returned as the cards' summaries. A picture's alt text
    and caption read as sentences, not headlines; the pipeline still lets a
    summary go only outside the story's prose region.
    """
    n = len(norms)
    cards = []
    for i in range(n):
        if not CARD_TITLE_MIN_WORDS <= stats[i].words <= CARD_TITLE_MAX_WORDS:
            continue
        for j in range(i + 2, min(n, i + CARD_REPEAT_REACH + 1)):
            if norms[j] == norms[i]:
                cards.append((i, j))
                break
    out = [0] * n
    summarised = [False] * n
    run: list[tuple[int, int]] = []
    summaries: list[int] = []  # the summary paragraph under each card of a title-case run
    for card in cards + [(n + CARD_RUN_GAP + 1, 0)]:  # a sentinel closes the last run
        between = range(run[-1][1] + 1, min(card[0], n)) if run else range(0)
        strong_between = [i for i in between if strong_prose(stats[i])]
        prose_between = [i for i in between if _card_summary(stats[i])]
        # a paragraph of strong prose between two cards: pictures inside a
        # story, whose captions describe it, not a feed; unless the cards are
        # headlines in title case and the paragraph is the last card's summary
        summary = (len(prose_between) == 1 and set(strong_between) <= set(prose_between) and card[0] < n
                   and all(_title_cased(stats[first]) for first, _ in [*run, card]))
        if run and (card[0] - run[-1][1] > CARD_RUN_GAP or (strong_between and not summary)):
            titles = len({norms[first] for first, _ in run})
            if titles >= CARD_RUN_MIN:
                for first, second in run:
                    for i in range(first, second + 1):
                        out[i] = titles
                if summaries:
                    # the last card's summary: the first paragraph under it
                    last = run[-1][1]
                    summaries += [i for i in range(last + 1, min(n, last + 1 + CARD_REPEAT_REACH)) if _card_summary(stats[i])][:1]
                for i in summaries:
                    summarised[i] = True
            run, summaries = [], []
        elif summary:
            summaries.append(prose_between[0])
        run.append(card)
    return out, summarised


# A feed of dated teasers (kicker, title, author, date, summary, again and
# again) shows one date, alone on its line, on every card published that day.
# DATED_FEED_MIN such lines, each within CARD_RUN_GAP blocks of the last, are
# a feed: a story's own dated lines (a timeline, a live blog) differ.
DATED_FEED_MIN = 3
DATED_LINE_MAX_WORDS = 6


def dated_feeds(norms: list[str], stats: list[TextStats], hits) -> tuple[list[bool], list[bool]]:
    """Feeds of dated teasers (the same date alone on its line, card after card): (date lines, blocks).

    A feed's blocks run from its first date line to the block after its last
    (the last card's summary).
    """
    n = len(norms)
    where: dict[str, list[int]] = {}
    for i, s in enumerate(stats):
        # a year alone ("1913") is a table's column more often than a card's date
        if s.has_date and 2 <= s.words <= DATED_LINE_MAX_WORDS and hits[i] is None:
            where.setdefault(norms[i], []).append(i)
    dates, inside = [False] * n, [False] * n
    for places in where.values():
        if len(places) < DATED_FEED_MIN:
            continue
        chain = [places[0]]
        for i in places[1:] + [n + CARD_RUN_GAP + 1]:  # a sentinel closes the last chain
            # a card holds one summary at most: the story's own paragraphs
            # under its date line ("19 November 2019", then the story, then a
            # feed of today's cards) are no card's
            if i - chain[-1] <= CARD_RUN_GAP and sum(1 for k in range(chain[-1] + 1, i) if strong_prose(stats[k])) <= 1:
                chain.append(i)
                continue
            if len(chain) >= DATED_FEED_MIN:
                for k in chain:
                    dates[k] = True
                for k in range(chain[0], min(n, chain[-1] + 2)):
                    inside[k] = True
            chain = [i]
    return dates, inside


def _card_summary(s: TextStats) -> bool:
    """Could be a card's summary: prose, and no longer than a summary is."""
    return prose_score(s) >= OUTSIDE_MIN_SCORE and s.words <= CARD_SUMMARY_MAX_WORDS


def _title_cased(s: TextStats) -> bool:
    """A headline in title case: most of its words capitalised."""
    return s.words >= CARD_TITLE_MIN_WORDS and s.capitalised >= CARD_TITLE_CASE_SHARE * s.words


def densest_region(weights: list[float]) -> tuple[int, int]:
    """The run of blocks with the largest total weight (Kadane): [start, end)."""
    best, best_start, best_end = 0.0, 0, 0
    run, run_start = 0.0, 0
    for i, w in enumerate(weights):
        if run <= 0:
            run, run_start = w, i
        else:
            run += w
        if run > best:
            best, best_start, best_end = run, run_start, i + 1
    return best_start, best_end


def headline_score(s: TextStats) -> float:
    """How much a block looks like a headline (0: not at all)."""
    if not HEADLINE_MIN_WORDS <= s.words <= HEADLINE_MAX_WORDS:
        return 0.0
    if s.teaser_end or (s.separators and not s.label_prefix) or s.urlish or s.bullet:
        return 0.0
    if s.has_date and s.words <= 6:  # "vendredi 13 février 2026", "Nov 19, 2019"
        return 0.0
    score = 1.0 + min(s.words, 12) / 12
    if s.separators:
        # "Update | Crash victims identified" is a headline, though less
        # surely than one without its label
        score -= SEPARATED_HEADLINE_PENALTY
    if s.chars > 0 and s.digits > s.chars / 4:
        score -= 0.5
    return score


# The line model's probability that keeps a paragraph of strong prose inside
# the prose region (elsewhere the model's own threshold applies): when the
# model is unsure, prose from the story stays.
REGION_PROSE_THRESHOLD = 0.4
# ... and the probability that keeps a subheading: a title-like line of the
# region with strong prose on both sides (a rule hit between, such as an
# inline "Read more: …" link, left out). The model reads the widgets around
# such a line as a teaser's; the prose around it says the story goes on.
SUBHEADING_THRESHOLD = 0.3
# ... and the probability a short line below the prose region needs to
# stay when it ends no sentence: there such a line ("Alle
# Sanierungsbeispiele", "Udostępnij na FB (1)", a related story's headline)
# is far more often a widget than the story's, and the model, which also
# learns from clean pages where every short line is the story's, is too
# ready to keep it. On pages the model did not see (3-fold cross-validation,
# seeds 0 and 1) 0.9 did best (F1 0.9164 and 0.9135) and 0.75 nearly as
# well (0.9159, 0.9133); on the pages it was trained on, where it is surer
# than it should be, 0.9 costs 0.004 of F1 and 0.75 nothing.
# It applies on a page whose part below the region holds
# BELOW_REGION_MIN_HITS rule hits or more: chrome, as in a whole page's dump.
# Main content extracted from HTML, or a cleaned page read back, has little
# below its prose but the story's own lists and notes.
BELOW_REGION_LINE_THRESHOLD = 0.75
BELOW_REGION_LINE_MAX_WORDS = 12
BELOW_REGION_MIN_HITS = 3
# The line model's bar on a page no rule finds chrome on (main content
# extracted from HTML, a page cleaned before): such a page is mostly its
# story, and the model, which learned on whole dumps, is too ready to cut it
# (3-fold cross-validation on the HTML pages, seeds 0 and 1: F1 0.9595 and
# 0.9594 under the model's own bar, 0.9648 and 0.9637 with this one)
CHROME_FREE_THRESHOLD = 0.1


# The line model's bar for the items of a list the story introduces: a
# sentence of the prose region that ends in a colon ("The band's 2020 tour
# dates:", "Die Zinsen setzen sich so zusammen:") and the run of short lines
# right under it (tour dates, ingredients, a product's figures, code). The
# model reads such a run as a menu's. The intro must read as prose: "Dann
# folge uns auf:", "Schlagwörter zu diesem Artikel:" do not.
LIST_ITEM_THRESHOLD = 0.1
LIST_INTRO_MIN_SCORE = 0.5
LIST_INTRO_MIN_WORDS = 4
LIST_ITEM_MAX_WORDS = 15
LIST_MIN_ITEMS = 3
LIST_MAX_ITEMS = 40
# an item this long, with this share of stop words, no figures and no full
# stop reads as a headline; a run of mostly such items is a list of links
LIST_HEADLINE_MIN_WORDS = 5
LIST_HEADLINE_MIN_STOP_RATIO = 0.2


def introduced_lists(start: int, end: int, stats: list[TextStats], texts: list[str], hits) -> list[bool]:
    """The items of lists that a colon-ended sentence of the prose region [start, end) introduces."""
    n = len(stats)
    items = [False] * n
    for i in range(start, min(end, n)):
        s = stats[i]
        if hits[i] is not None or s.words < LIST_INTRO_MIN_WORDS or not texts[i].rstrip().endswith(":"):
            continue
        if prose_score(s) < LIST_INTRO_MIN_SCORE:
            continue
        # the list ends at the next block of prose, at the next intro, and
        # before an item it already holds (a gallery's "Bild zum Thema" on
        # every picture, a widget's labels: a story's list names each item once)
        # a list whose first item is bulleted ends where the bullets do
        j, seen, bulleted = i + 1, set(), i + 1 < n and stats[i + 1].bullet
        while (j < n and hits[j] is None and stats[j].words <= LIST_ITEM_MAX_WORDS and not strong_prose(stats[j])
               and texts[j] not in seen and (stats[j].bullet or not bulleted)):
            seen.add(texts[j])
            if texts[j].rstrip().endswith(":"):
                break
            j += 1
        listed = range(i + 1, j)
        # a list of other stories' headlines ("Here is what else our
        # reporters have been working on:") is no list of the story's
        headlines = sum(1 for k in listed if _reads_as_headline(stats[k]))
        if LIST_MIN_ITEMS <= len(listed) <= LIST_MAX_ITEMS and headlines * 2 <= len(listed):
            for k in listed:
                items[k] = True
    return items


def _reads_as_headline(s: TextStats) -> bool:
    """Words of a sentence with no full stop and no figures: another story's headline, not a list item."""
    return (s.words >= LIST_HEADLINE_MIN_WORDS and not s.sentence_end and s.digits == 0
            and s.stop_ratio >= LIST_HEADLINE_MIN_STOP_RATIO)


def between_prose(i: int, stats: list[TextStats], hits) -> bool:
    """Strong prose right after block i, and before it once rule hits are skipped."""
    j = i - 1
    while j >= 0 and hits[j] is not None and hits[j].action != "keep":
        j -= 1
    return j >= 0 and i + 1 < len(stats) and strong_prose(stats[j]) and strong_prose(stats[i + 1])


# Scores (prose_score) a block needs to stay, by where it stands.
IN_REGION_MIN_SCORE = 0.2
LEAD_MIN_SCORE = 0.5
OUTSIDE_MIN_SCORE = 0.6
# Region weights: prose pulls the region in by its length, anything else pushes
# it away a little, a rule hit (boilerplate for sure) a lot.
NON_PROSE_WEIGHT = -3.0
RULE_HIT_WEIGHT = -15.0
# The guard: when less than this share of the page's prose words survives,
# the best prose region is restored.
GUARD_MIN_KEPT_SHARE = 0.15


# A table of contents: a run of at least this many short lines, each coming
# back further down as the heading of a section (a heading followed by prose).
TOC_MIN_ENTRIES = 3
TOC_ENTRY_MAX_WORDS = 12
_ENUMERATOR = re.compile(r"^(?:\d{1,3}|[ivxlc]{1,5}|[a-z])[.)]\s+")


def toc_entries(norms: list[str], stats: list[TextStats], scores: list[float]) -> list[bool]:
    """Blocks of a table of contents: their sections' headings follow further down.

    The region of prose must not stop at the contents: "In this article…",
    then the contents, then the sections is one story.
    """
    n = len(norms)
    keys = [_ENUMERATOR.sub("", norm) for norm in norms]
    heading_at: dict[str, int] = {}  # the last heading with prose right under it, per key
    for j in range(n - 1, -1, -1):
        if keys[j] and j + 1 < n and scores[j + 1] >= OUTSIDE_MIN_SCORE and keys[j] not in heading_at:
            heading_at[keys[j]] = j
    candidate = [
        bool(keys[i]) and stats[i].words <= TOC_ENTRY_MAX_WORDS and not stats[i].sentence_end
        and heading_at.get(keys[i], -1) > i + 1
        for i in range(n)
    ]
    entries = [False] * n
    i = 0
    while i < n:
        j = i
        while j < n and candidate[j]:
            j += 1
        if j - i >= TOC_MIN_ENTRIES:
            entries[i:j] = [True] * (j - i)
        i = j + 1 if j == i else j
    return entries


# "Headline - Site", "Site | Headline": the <title> a dump often starts with.
_TITLE_SEPARATOR = r" ?(?:-|–|—|\||·|•|::) ?"
# each word is whole (a space must follow it): no backtracking into a word
_SITE_SUFFIX = re.compile(rf"^{_TITLE_SEPARATOR}\S+(?: \S+){{0,5}}$")
_SITE_PREFIX = re.compile(rf"^(?:\S+ ){{1,6}}{_TITLE_SEPARATOR}$")


def is_page_title(norm: str, headline: str) -> bool:
    """The headline with the site's name before or after it, between separators."""
    if not headline or norm == headline:
        return False
    if norm.startswith(headline):
        return bool(_SITE_SUFFIX.match(norm[len(headline):]))
    if norm.endswith(headline):
        return bool(_SITE_PREFIX.match(norm[: -len(headline)]))
    return False


# A breadcrumb trail run into the headline ("Home News Business News Ascom
# and Dräger introduce …", "Blog » News » open3 » …"): a few words of
# labels, capitalised or with separators, then the headline's own text.
BREADCRUMB_MAX_WORDS = 6
BREADCRUMB_HEADLINE_MIN_WORDS = 4
# how far under a trail taken for the headline the headline alone is looked for
BREADCRUMB_REACH = 3
# (a trail may end in its separator, with no space after it: "Blog » News »")
_BREADCRUMB_SEPARATORS = frozenset("|»>/›")


# A newsletter box's heading ("PC Gamer Newsletter", "Der FOCUS-Newsletter")
# over the box's pitch, which a rule knows ("Sign up to get the best content
# of the week…"). Alone, such a line could be a story's title; over the
# pitch it is the box's.
NEWSLETTER_HEADING_MAX_WORDS = 4


def newsletter_headings(norms: list[str], stats: list[TextStats], hits) -> list[int]:
    """Short lines ending in "newsletter" right above a newsletter rule hit."""
    return [
        i for i in range(len(norms) - 1)
        if hits[i] is None and hits[i + 1] is not None and hits[i + 1].category == "newsletter"
        and stats[i].words <= NEWSLETTER_HEADING_MAX_WORDS and norms[i].endswith("newsletter")
    ]


def is_breadcrumb_title(text: str, headline: str) -> bool:
    """The headline with a breadcrumb trail or section label before it ("Home News <headline>")."""
    # called for every block of every page: the cheap test first
    text, headline = text.strip(), headline.strip()
    if text == headline or not text.endswith(headline) or len(WORD.findall(headline)) < BREADCRUMB_HEADLINE_MIN_WORDS:
        return False
    trail = text[: -len(headline)].strip()
    words = WORD.findall(trail)
    if not 1 <= len(words) <= BREADCRUMB_MAX_WORDS or trail.endswith(":"):
        return False  # "… unter dem Motto: <headline>" quotes it in a sentence
    # labels are capitalised; a sentence leading into the headline is not
    if any(c in _BREADCRUMB_SEPARATORS for c in trail):
        return True
    return all(w[0].isupper() or w.isdigit() or len(w) <= 3 for w in words)


def region_weight(score: float, s: TextStats, hit) -> float:
    if hit is not None and hit.action != "keep":
        return RULE_HIT_WEIGHT
    if score >= OUTSIDE_MIN_SCORE:
        return float(min(s.words, 80))
    return NON_PROSE_WEIGHT


def list_under_marker(start: int, end: int, stats: list[TextStats], hits) -> int | None:
    """The tail marker whose list the prose region is, when the story stands above it.

    A short story's prose can weigh less than the list of other stories'
    headlines under "Related articles" below it. When the region starts
    right under such a marker (related, most read), holds little prose, and
    a paragraph of strong prose stands above the marker, the region is that
    list: the marker's index is returned, and the region is looked for
    above it.
    """
    marker = next((i for i in range(start - 1, max(-1, start - 1 - MARKER_REACH), -1)
                   if hits[i] is not None and hits[i].action == "tail" and hits[i].category in LIST_MARKER_CATEGORIES), None)
    if marker is None:
        return None
    # the region as far as the next tail marker, which will close it
    end = next((i for i in range(start, end) if hits[i] is not None and hits[i].action == "tail"), end)
    strong_in = sum(1 for i in range(start, end) if strong_prose(stats[i]))
    words_in = sum(stats[i].words for i in range(start, end))
    if strong_in >= THIN_REGION_MAX_STRONG or words_in >= THIN_REGION_MAX_WORDS:
        return None
    if not any(strong_prose(stats[i]) and hits[i] is None for i in range(marker)):
        return None
    return marker


def trim_region_end(start: int, end: int, stats: list[TextStats], hits) -> int:
    """The article's body ends on a sentence: drop trailing non-sentence blocks."""
    while end - 1 > start and not (stats[end - 1].sentence_end and not stats[end - 1].teaser_end):
        end -= 1
    return end


def trim_region_start(start: int, end: int, stats: list[TextStats]) -> int:
    """The body starts on a sentence: a title-like block leading the region is the headline's."""
    while start < end - 1 and not (stats[start].sentence_end and not stats[start].teaser_end):
        start += 1
    return start


def find_tail(start, end, scores, stats, hits) -> int | None:
    """The first tail marker after the article's prose beyond which little prose follows."""
    before = 0.0
    total = sum(s.words for i, s in enumerate(stats) if scores[i] >= OUTSIDE_MIN_SCORE)
    for i, rule in enumerate(hits):
        if scores[i] >= OUTSIDE_MIN_SCORE:
            before += stats[i].words
        if rule is None or rule.action != "tail" or i < start:
            continue
        after = total - before
        if rule is AUTHOR_BOX:
            # the biography under the box's heading is the box's, not the story's
            after -= sum(stats[k].words for k in range(i + 1, min(len(stats), i + 1 + AUTHOR_BIO_BLOCKS))
                         if scores[k] >= OUTSIDE_MIN_SCORE)
        if after <= TAIL_MAX_PROSE_SHARE * before:
            return i
    return None


@functools.lru_cache(maxsize=1)
def _author_box_pattern() -> re.Pattern:
    intros = [re.escape(line).replace(r"\ ", r"\s+") for line in word_list(AUTHOR_BOX_INTROS_FILE)]
    intros.sort(key=len, reverse=True)  # "Acerca de" tried whole before any shorter intro
    words = _name_pattern(AUTHOR_BOX_MIN_NAME_WORDS, AUTHOR_BOX_MAX_NAME_WORDS)
    return re.compile(rf"^(?i:{'|'.join(intros)})\s+(?P<name>{words})\s*:?$")


_NAME_PARTICLES = frozenset("de da di do dos das del della van von der den du la le".split())
_NAME_WORD = r"[^\W\d_a-zß-ÿ][\w'’.-]*"  # a capitalised word ("O'Neill", "J."), as in a byline


def _name_pattern(fewest: int, most: int) -> str:
    """A person's name of `fewest` to `most` capitalised words, particles ("van", "de") between."""
    particle = "(?:" + "|".join(sorted(_NAME_PARTICLES)) + ")"
    return rf"{_NAME_WORD}(?:\s+(?:{particle}\s+){{0,2}}{_NAME_WORD}){{{fewest - 1},{most - 1}}}"


def _capitalised_name(name: str) -> bool:
    """Every word of the name but its particles capitalised (the patterns' class rules out Latin lower case only)."""
    return all(w[0].isupper() for w in name.split() if w not in _NAME_PARTICLES)


def author_boxes(blocks, stats: list[TextStats], hits) -> list[int]:
    """The headings of author boxes: the heading's shape, and the biography under it.

    The biography names the author again ("About Brigit Katz" / "Brigit
    Katz is a freelance writer…") within AUTHOR_BIO_BLOCKS blocks under the
    heading, one of them prose. A subheading in title case ("About The
    Study", "Over The Years") or a menu's "About Jeongdong Theater" has the
    shape, but not such a block under it.
    """
    found = []
    for i, block in enumerate(blocks):
        if hits[i] is not None:
            continue
        name = author_box_name(block.text)
        if name is None:
            continue
        if name.isupper():
            name = name.title()  # "ABOUT JANE DOE": the biography writes "Jane Doe"
        below = range(i + 1, min(len(blocks), i + 1 + AUTHOR_BIO_BLOCKS))
        named = any(name in blocks[k].text for k in below)
        if named and any(hits[k] is None and prose_score(stats[k]) >= OUTSIDE_MIN_SCORE for k in below):
            found.append(i)
    return found


def author_box_name(text: str) -> str | None:
    """The name in an author box's heading ("About Brigit Katz" -> "Brigit Katz"), or None.

    Every word of the name is capitalised (a particle such as "de" or "van"
    aside). "About the author" is a rule's, not this.
    """
    text = text.strip()
    if len(text) > AUTHOR_BOX.max_chars:
        return None
    found = _author_box_pattern().match(text)
    if found is None:
        return None
    name = found.group("name")
    return name if _capitalised_name(name) else None  # not "About ōsaka ōtsu"


def is_author_box_heading(text: str) -> bool:
    """"About Brigit Katz", "Über Moritz Bachmann", "Sobre Carlos Nadalim": an intro and a capitalised name."""
    return author_box_name(text) is not None


@functools.lru_cache(maxsize=1)
def _author_bio_pattern() -> re.Pattern:
    verbs = sorted((re.escape(v) for v in word_list(AUTHOR_BIO_VERBS_FILE)), key=len, reverse=True)
    return re.compile(rf"^(?P<name>{_name_pattern(2, 4)})\s+(?i:{'|'.join(verbs)})\s")


def author_bios(blocks, stats: list[TextStats], hits) -> list[int]:
    """Blocks that open with the author's name and a verb: the author's biography.

    The name must be a byline's ("By Brigit Katz", "von Inga Buller"), or
    stand alone on a line right above ("Dallas Robinson", then "Dallas
    Robinson is a freelance writer…", as an author box shows it). And the
    story must not talk about that person: no other paragraph gives the
    surname. A caption "Angela Merkel" over "Angela Merkel ist seit 2005
    Bundeskanzlerin …" in a story about her, or "Neil Patrick Harris ist
    bekannt für …" in a list of actors, is the story's.
    """
    found, by_name_line = [], []
    bylines = None
    blocks_with = None  # word -> the blocks that hold it, read on a page with a candidate
    for i, block in enumerate(blocks):
        if hits[i] is not None or stats[i].words < AUTHOR_BIO_MIN_WORDS:
            continue
        match = _author_bio_pattern().match(block.text.strip())
        if match is None:
            continue
        name = match.group("name")
        if not _capitalised_name(name):
            continue
        if bylines is None:
            bylines = [k for k, b in enumerate(blocks) if is_byline(b.text)]
            blocks_with = {}
            for k, b in enumerate(blocks):
                for word in set(WORD.findall(b.text)):
                    blocks_with.setdefault(word, []).append(k)
        naming_bylines = [k for k in bylines if k != i and name in blocks[k].text]
        name_lines = [k for k in range(max(0, i - AUTHOR_BIO_NAME_REACH), i)
                      if blocks[k].text.strip() == name and _bare_name(blocks[k].text, stats[k])]
        if not naming_bylines and not name_lines:
            continue
        # a paragraph of the story naming the person (chrome such as "More
        # by Brigit Katz", or a name line, does not count)
        surname = WORD.findall(name)[-1]
        named_elsewhere = any(
            k != i and k not in naming_bylines and k not in name_lines and hits[k] is None
            and stats[k].words >= AUTHOR_BIO_MIN_WORDS
            for k in blocks_with.get(surname, ())
        )
        if named_elsewhere:
            continue
        if naming_bylines:
            found.append(i)
        else:
            by_name_line.append((i, name))
    # a page has one author box: several people each under a line of their
    # name are the story's list of them ("Ben Whishaw" / "Ben Whishaw ist …")
    if len({name for _, name in by_name_line}) == 1:
        found += [i for i, _ in by_name_line]
    return sorted(found)


def _bare_name(text: str, s: TextStats) -> bool:
    """A line that is a name alone: two to four capitalised words, no digits."""
    words = text.split()
    return 2 <= len(words) <= BARE_NAME_MAX_WORDS and s.digits == 0 and all(w[0].isupper() for w in words)


@functools.lru_cache(maxsize=1)
def _byline_pattern() -> re.Pattern:
    intros = [re.escape(line).replace(r"\ ", r"\s*") for line in word_list(BYLINE_INTROS_FILE)]
    intros.sort(key=len, reverse=True)  # "written by" before "by"
    name = _NAME_WORD
    # a byline's names may also be joined ("Ana y Luis", "Smith and Jones")
    particle = r"(?:de|da|di|do|dos|das|del|della|van|von|der|den|du|la|le|y|e|and|und|et)"
    return re.compile(
        rf"^(?i:{'|'.join(intros)})(?:\s+|(?<=:)\s*)(?P<name>{name})(?:\s+(?:{particle}\s+){{0,2}}{name}){{0,3}}"
        # nothing more, or a separator and a date, a place or a role
        rf"\s*(?:$|[,|–—·•/(-].{{0,60}}$)"
    )


def is_byline(text: str) -> bool:
    """"By Maggie Trelawny | September 18, 2024", "Von Hanna Riedl", "Par Julien Ferrand, le 22 février"."""
    text = text.strip()
    if len(text) > BYLINE_MAX_CHARS:
        return False
    found = _byline_pattern().match(text)
    # the class above rules out Latin lower case only: "przez żołnierzy" is no byline
    return found is not None and found.group("name")[0].isupper()


def find_headline(start: int, norms: list[str], stats: list[TextStats], verdicts, passed_over=None) -> int | None:
    """The headline: the best title-like block shortly before the first prose block.

    A block the page repeats (the dump shows the headline twice) is a strong
    hint; otherwise nearer is better. The first occurrence is the one kept.
    """
    best, best_score = None, 0.0
    lo = max(0, start - HEADLINE_LOOKBACK)
    for i in range(start - 1, lo - 1, -1):
        if verdicts[i] is not None or (passed_over is not None and passed_over[i]):
            continue  # a byline under the headline is not the headline
        score = headline_score(stats[i])
        if score <= 0:
            continue
        repeats = sum(1 for j in range(lo, start) if norms[j] == norms[i])
        score += 1.0 if repeats > 1 else 0.0
        score -= 0.15 * (start - 1 - i)
        if score > best_score or (score == best_score and repeats > 1):
            best, best_score = i, score
    if best is not None:
        first = next(j for j in range(lo, start) if norms[j] == norms[best])
        return first
    return None


def short_line_runs(stats: list[TextStats], verdicts) -> list[bool]:
    """Blocks in a run of SHORT_RUN_MIN+ short non-sentence lines (rule hits count as part of a run)."""
    n = len(stats)
    short = [
        verdicts[i] is not None or (stats[i].words <= SHORT_LINE_WORDS and not stats[i].sentence_end)
        for i in range(n)
    ]
    flags = [False] * n
    i = 0
    while i < n:
        if not short[i]:
            i += 1
            continue
        j = i
        while j < n and short[j]:
            j += 1
        free = [k for k in range(i, j) if verdicts[k] is None]
        if j - i >= SHORT_RUN_MIN and len(free) >= 2:
            for k in free:
                flags[k] = True
        i = j
    return flags


def next_to_article(i: int, start: int, end: int, verdicts) -> bool:
    """Right before the region or right after its last block (rule hits in between allowed)."""
    if start <= i < end:
        return True
    if i >= end:
        return all(verdicts[k] is not None for k in range(end, i)) or i - end <= 1
    return start - i <= 2


def guard_over_pruning(page, verdicts):
    """A page where almost all prose would go keeps its best prose region instead.

    Another story's teaser (a run of glued teasers, a summary closed by its
    read-more link) is no prose of the page: it neither counts in the prose
    there is nor comes back.
    """
    prose_words = [
        s.words if prose_score(s) >= OUTSIDE_MIN_SCORE and teaser is None else 0
        for s, teaser in zip(page.stats, page.teasers)
    ]
    total = sum(prose_words)
    if total == 0:
        return verdicts
    kept = sum(w for w, v in zip(prose_words, verdicts) if v is None)
    if kept >= GUARD_MIN_KEPT_SHARE * total:
        return verdicts
    weights = [float(w) if w else NON_PROSE_WEIGHT for w in prose_words]
    start, end = densest_region(weights)
    restored = list(verdicts)
    for i in range(start, end):
        if prose_words[i] and restored[i] is not None and page.hits[i] is None:
            restored[i] = None
    return restored


def lead_in_to_tail(tail: int, stats: list[TextStats], hits) -> list[int]:
    """Blocks between the last sentence-ending block before a tail marker and the marker.

    Attribution (a keep rule) and the sentences themselves are not part of it.
    """
    found = []
    i = tail - 1
    while i >= 0 and len(found) < LEAD_IN_MAX:
        s = stats[i]
        if hits[i] is not None and hits[i].action == "keep":
            i -= 1
            continue
        if s.sentence_end and not s.teaser_end:
            break
        found.append(i)
        i -= 1
    return found


# At most this many blocks before a tail marker are taken as its lead-in.
LEAD_IN_MAX = 4


# A lead this strong (the first prose block under the headline) is never removed by the line model.
STRONG_PROSE_WORDS = 20


def chrome_below(end: int, hits) -> bool:
    """Does the page below the prose region carry site chrome (rule hits)?"""
    found = 0
    for hit in hits[end:]:
        if hit is not None and hit.action != "keep":
            found += 1
            if found >= BELOW_REGION_MIN_HITS:
                return True
    return False


def short_line_below_region(s: TextStats) -> bool:
    """A short line that ends no sentence: below the story, a widget's more often than the story's."""
    return s.words <= BELOW_REGION_LINE_MAX_WORDS and not (s.sentence_end and not s.teaser_end)


def strong_prose(s: TextStats) -> bool:
    return (
        s.words >= STRONG_PROSE_WORDS
        and s.stop_ratio >= PROSE_MIN_STOP_RATIO
        and s.sentence_end
        and not s.teaser_end
        and s.joins == 0
    )

"""Learned site templates: the blocks that recur across the pages of one site.

A scrape holds many pages per site. Whatever repeats across them — menus, the
site name, the footer, the "most read" list, the theme's form strings — is
template, not article, even where no rule knows the words. Learning is one
streamed pass over the pages:

    learner = TemplateLearner()
    for text, url in pages:                  # url may be None
        learner.add(text, url=url)
    templates = learner.templates()          # hashes and counts, no texts
    templates.save("templates.toml")         # reusable: clean(x, templates=...)

Pages are grouped by site: by the URL's host when one is known, otherwise by
how much of their chrome (the short blocks of their first and last lines) they
share, clustered greedily on Jaccard similarity (see `ChromeClusterer`).
Per group only 64-bit hashes of normalised blocks (digits, month and weekday
names folded) and their page counts are kept, with lossy counting, so memory
stays bounded whatever the number of pages. Besides whole blocks the learner
counts, under keys of their own: the label of "label: text" blocks (a site's
teaser label, "Also on the quay:"), and the blocks standing in each page's
headline zone (right above its first prose), which tells a page's own
headline from the site's category labels and sponsor lines.

At cleaning time `prefilter` takes the template's blocks out of a page before
the pipeline judges it. `Templates.for_page(blocks, url)` picks the page's
group (the URL's host, else the group whose template blocks the page holds
most of) and spares the page's headline where it stands. A block goes when:
  - it recurs on enough of the group's pages for how much it reads like
    prose (thresholds below): a one-word menu item on a quarter of the pages
    goes, a body sentence quoted on two pages never does;
  - it is "site label: another page's headline";
  - it is the headline of another page of the site, outside this page's
    headline zone (a "most read" item, however fast the list rotates).
Bylines are never claimed. A block a drop rule also names leaves the page
the same way, under the rule's id and reason.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import tomllib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from .features import AMBIGUOUS_MONTHS, calendar_words, text_stats
from .normalize import normalize

FORMAT_VERSION = 1

# ---------------------------------------------------------------- thresholds
#
# A block is template when it is on at least MIN_PAGES pages of its group AND
# on at least the share of the group's pages its tier asks for. The tier comes
# from the block's own text: the more it reads like article prose, the more
# evidence it takes, because articles do quote each other, repeat a standard
# paragraph ("Cet article a été mis à jour..."), or share a lead sentence.

# Never fewer pages than this: a sentence quoted on two pages, or two pages
# about the same event, must not teach the template anything.
MIN_PAGES = 3
# Short blocks (menu items, labels, the site name, teaser headlines — anything
# that is not a full sentence): a quarter of the pages is plenty, since a
# "most read" list that changes partly still shows each item on many pages.
SHORT_MIN_SHARE = 0.25
# Sentences (SENTENCE_MIN_WORDS+ words ending like a sentence): forms, notices,
# a newsletter pitch. Half the pages, and at least SENTENCE_MIN_PAGES.
SENTENCE_MIN_WORDS = 8
SENTENCE_MIN_SHARE = 0.5
SENTENCE_MIN_PAGES = 4
# Long prose (LONG_MIN_WORDS+ words ending like a sentence): only boilerplate
# that is on nearly every page (an "about us" footer paragraph, a legal
# notice) goes; a paragraph several articles share stays.
LONG_MIN_WORDS = 25
LONG_MIN_SHARE = 0.8
LONG_MIN_PAGES = 5

# The page's own headline is protected: on a site whose "most read" list
# shows other pages' headlines, the teaser of THIS page is on many pages, yet
# here it is the headline. The headline zone: walking up from the page's first
# prose block (ZONE_ANCHOR_MIN_WORDS+ words ending like a sentence), the
# blocks of HEADLINE_MIN..MAX words that do not end like a sentence, until
# HEADLINE_LOOKBACK of them are neither bylines, date lines nor labelled
# blocks, over at most ZONE_MAX_BLOCKS blocks. Which of them are spared: see
# `_spared` and ZONE_*.
HEADLINE_LOOKBACK = 3
HEADLINE_MIN_WORDS = 3
HEADLINE_MAX_WORDS = 30
ZONE_ANCHOR_MIN_WORDS = 10
ZONE_MAX_BLOCKS = 8

# A page's own headline stands above the prose on that page only; on other
# pages it is a teaser in a list. So the learner also counts, per block, the
# pages where it stands in that place (the "headline zone", see
# `headline_zone`), under its own key (ZONE_KEY + the block). A block found
# there on ZONE_MIN_PAGES or more pages is the site's — a category label
# repeating a menu entry, a sponsor line, a standing banner — and is not spared.
# Two copies of one article (a URL variant, a re-scrape) stay under the bar.
ZONE_KEY = "\x1fabove-prose\x1f"
ZONE_MIN_PAGES = 3
# Another page's headline: a block that stood in the headline zone of some
# page of the group, found on this page outside its own headline zone, is a
# link to another story (a "most read" item, a teaser) even when the lists
# rotate too fast for any item to reach SHORT_MIN_SHARE of the pages. It must
# be on OTHER_HEADLINE_MIN_PAGES pages (its own and at least one more).
OTHER_HEADLINE_MIN_PAGES = 2
# A date line ("Published March 3, 2024"): a date and at most this many words.
DATE_LINE_MAX_WORDS = 6

# Bylines are attribution: an author's name recurs on every article they
# write (a quarter of a small site's pages), yet it belongs to each article.
# A block opening with one of these words, of at most BYLINE_MAX_WORDS words
# with at least two capitalised, is never claimed by the template.
BYLINE_OPENERS = ("by", "par", "von", "por", "di", "door", "de", "z", "av", "af")
BYLINE_MAX_WORDS = 14
# ... or with one of these labels and a colon ("Autor: Jan Kowalski").
BYLINE_LABELS = ("author", "authors", "autor", "autorin", "autoren", "autora", "autores", "auteur", "auteurs", "autore", "autori", "auteur·e")

# Labelled teasers: "Also on the quay: <another story's headline>". The whole
# block differs on every page, but its label is the site's and recurs. A
# block is read as "label: rest" when the text before its first colon has
# 1..LABEL_MAX_WORDS words and the rest LABEL_REST_MIN_WORDS..HEADLINE_MAX_WORDS
# words, not ending like a sentence (a headline, not a quote or a caption
# sentence). The label is counted as its own key (LABEL_KEY + the label) and
# claims the block under the short tier, when the rest is a headline the site
# shows on its own (a template block, or a block above some page's prose): a
# photo caption behind a recurring "Photo:" label describes this page's story
# and stays.
LABEL_MAX_WORDS = 5
LABEL_REST_MIN_WORDS = 3
LABEL_KEY = "\x1flabel\x1f"

# Picking a page's group without a URL: the group holding most of the page's
# blocks as template blocks, if it holds at least this many.
SELECT_MIN_BLOCKS = 3

# ---------------------------------------------------------------- grouping
#
# Chrome: the short blocks among the first CHROME_HEAD and last CHROME_TAIL
# blocks of a page (menus, site name, footer, sidebar lists). Pages whose
# chrome sets have a Jaccard similarity of at least CLUSTER_MIN_JACCARD join
# one group. Same-site pages share most of their chrome (0.4-0.9 on real
# sites); different sites on one CMS share a handful of theme strings out of
# dozens (under 0.15).
CHROME_HEAD = 40
CHROME_TAIL = 40
CHROME_MAX_WORDS = 10
CLUSTER_MIN_JACCARD = 0.3
# A chrome block held by more groups than this is a CMS-wide string ("Leave a
# Reply", "Home"), not a site's: it stops proposing candidate groups (it still
# counts in the Jaccard similarity of the candidates found otherwise).
MAX_POSTINGS = 64
# Candidate groups compared exactly per page (the ones sharing most blocks).
MAX_CANDIDATES = 8

# ---------------------------------------------------------------- counting
#
# Lossy counting (Manku & Motwani 2002): every LOSSY_BUCKET pages of a group,
# block hashes seen too rarely to ever reach 1/LOSSY_BUCKET of the pages are
# dropped, so a group's table holds the recurring blocks plus at most a
# bucket's worth of one-off article blocks. Counts are then lower bounds, off
# by at most pages/LOSSY_BUCKET (2%), far below SHORT_MIN_SHARE.
LOSSY_BUCKET = 50
# A short sample text per template block, for people reading the saved file.
SAMPLE_CHARS = 80
MAX_SAMPLES_PER_GROUP = 500

CALENDAR_MAX_CHARS = 100
# AMBIGUOUS_MONTHS are folded only right beside a number, "May 10" or "10
# May", never in "you may".
_AMBIGUOUS_MONTH = re.compile(r"\b(?:%s)(?= 0\b)|(?<=\b0 )(?:%s)\b" % ("|".join(AMBIGUOUS_MONTHS), "|".join(AMBIGUOUS_MONTHS)))
_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"\w+")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
# The rank in front of a numbered list item: "1. ", "2) ", "#3 ", "04 - ".
_RANK = re.compile(r"^#?\d{1,2}(?:[.)]|\s*[-–|])?\s+(?=\w)")


class TemplateError(ValueError):
    """Problems in a templates file, each `file:line: problem`."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------- hashing


@functools.lru_cache(maxsize=1)
def _calendar_pattern() -> re.Pattern:
    words = sorted((re.escape(w) for w in calendar_words()), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


def fold(norm: str) -> str:
    """A normalised block with digit runs as 0 and month/weekday names as `@`.

    `mardi 12 mars 2024` and `jeudi 4 avril 2025` both become `@ 0 @ 0`;
    `may 10, 2024` becomes `@ 0, 0` (see AMBIGUOUS_MONTHS).
    Names are folded only in blocks of up to CALENDAR_MAX_CHARS: date lines
    are short, and scanning long prose for them costs most of the learning time.
    """
    norm = _DIGITS.sub("0", norm)
    if len(norm) <= CALENDAR_MAX_CHARS:
        norm = _AMBIGUOUS_MONTH.sub("@", _calendar_pattern().sub("@", norm))
    return norm


def block_hash(norm: str) -> int:
    """64-bit hash of a normalised block, after `fold`."""
    # surrogatepass: a JSON record may carry a lone surrogate ("\ud800"); it
    # hashes like any other character instead of stopping the run
    digest = hashlib.blake2b(fold(norm).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _hex(h: int) -> str:
    return f"{h:016x}"


def label_of(norm: str) -> str | None:
    """The label of a "label: rest" block (normalised), or None.

    `also on the quay: lifeboat crew rescue kayakers` -> `also on the quay`.
    Whether the rest reads like a headline is judged at cleaning time, on the
    block's own text.
    """
    colon = norm.find(":")
    if colon <= 0:
        return None
    label = norm[:colon].strip()
    rest = norm[colon + 1 :]
    if not 1 <= len(_WORDS.findall(label)) <= LABEL_MAX_WORDS or not any(c.isalpha() for c in label):
        return None
    if len(_WORDS.findall(rest)) < LABEL_REST_MIN_WORDS:
        return None
    return label


def zone_hash(norm: str) -> int:
    """The key under which a block is counted when it stands in a page's headline zone."""
    return block_hash(ZONE_KEY + norm)


def label_hash(label: str) -> int:
    """The key a label is counted under: never equal to a block's own hash."""
    return block_hash(LABEL_KEY + label)


# ---------------------------------------------------------------- reading pages


def page_norms(text: str) -> list[str]:
    """The normalised non-empty blocks of a page dump (one block per line)."""
    norms = []
    for line in text.splitlines():
        n = normalize(line)
        if n:
            norms.append(n)
    return norms


# An archive's address holds the archived page's own: the site is that page's.
# `https://web.archive.org/web/20110106023242/http://example.de/x` -> example.de
_ARCHIVED = re.compile(r"^https?://(?:web\.)?archive\.org/web/[^/]*/(.+)$", re.IGNORECASE)
# A host: labels of letters, digits and hyphens, at least one dot (or an IPv6/port-free name).
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
# A bare host with no scheme must not be mistaken for "scheme:path" ("name::x").
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def site_of(url: str | None) -> str | None:
    """The host of a URL without `www.`, or None when the string is not a web address.

    An archived copy counts as the archived page (its site is the original
    host, not the archive's), and a string that names no host with a dot
    (`hard::page.html`, `localhost`) groups nothing: pages without a usable
    URL are grouped by their chrome instead.
    """
    if not url:
        return None
    url = url.strip()
    for _ in range(3):  # an archive of an archive
        m = _ARCHIVED.match(url)
        if not m:
            break
        url = m.group(1)
    if not _SCHEME.match(url):
        if "://" in url or ":" in url.split("/", 1)[0]:
            return None
        url = "//" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host or not _HOST.match(host):
        return None
    return host[4:] if host.startswith("www.") else host


def chrome_set(norms: list[str], hashes: list[int] | None = None) -> frozenset[int]:
    """Hashes of the short blocks in a page's first and last lines."""
    if hashes is None:
        hashes = [block_hash(s) for s in norms]
    n = len(norms)
    picked = range(n) if n <= CHROME_HEAD + CHROME_TAIL else [*range(CHROME_HEAD), *range(n - CHROME_TAIL, n)]
    return frozenset(hashes[i] for i in picked if norms[i].count(" ") < CHROME_MAX_WORDS)


# ---------------------------------------------------------------- grouping


class ChromeClusterer:
    """Greedy one-pass clustering of pages by the Jaccard similarity of their chrome.

    Each group keeps its first page's chrome set as its representative (an
    array of hashes); an inverted index from chrome hash to groups proposes
    candidates, so each page costs its own chrome size, not the number of
    groups. A page joins the most similar candidate at CLUSTER_MIN_JACCARD or
    more, else opens a group.
    """

    def __init__(self) -> None:
        self._reps: dict[str, array] = {}
        self._postings: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return len(self._reps)

    def best_match(self, chrome: frozenset[int]) -> tuple[str | None, float]:
        shared: Counter = Counter()
        for h in chrome:
            for group in self._postings.get(h, ()):
                shared[group] += 1
        best, best_j = None, 0.0
        for group, _ in shared.most_common(MAX_CANDIDATES):
            rep = self._reps[group]
            inter = sum(1 for h in rep if h in chrome)
            union = len(rep) + len(chrome) - inter
            j = inter / union if union else 0.0
            if j > best_j:
                best, best_j = group, j
        return best, best_j

    def add_group(self, group: str, chrome: frozenset[int]) -> None:
        """Register a group's representative chrome (its first page's)."""
        if group in self._reps:
            return
        self._reps[group] = array("Q", sorted(chrome))
        for h in chrome:
            posting = self._postings.setdefault(h, [])
            if len(posting) < MAX_POSTINGS:
                posting.append(group)

    def assign(self, chrome: frozenset[int], new_name: str) -> str:
        """The group of a page with this chrome: an existing one, or `new_name`."""
        group, j = self.best_match(chrome)
        if group is not None and j >= CLUSTER_MIN_JACCARD:
            return group
        self.add_group(new_name, chrome)
        return new_name


# ---------------------------------------------------------------- counting


class GroupCounts:
    """How many pages of one group hold each block hash (lossy counting)."""

    __slots__ = ("name", "how", "pages", "counts", "deltas", "samples", "zone_keys", "zone_blocks", "_first")

    def __init__(self, name: str, how: str) -> None:
        self.name = name
        self.how = how  # "url": grouped by host; "chrome": by shared chrome
        self.pages = 0
        self.counts: dict[int, int] = {}
        self.deltas: dict[int, int] = {}  # lossy counting: possible undercount
        self.samples: dict[int, str] = {}  # short sample text of recurring blocks
        # The keys counted for blocks in a headline zone (see zone_hash): kept
        # in the template from one page on, since "this is the headline of a
        # page of the site" is what tells a teaser from a caption.
        self.zone_keys: set[int] = set()
        # The block hashes of those blocks: a page's headline that other pages
        # show too (in a list, as a teaser) is kept from two pages on.
        self.zone_blocks: set[int] = set()
        # A one-page group (most groups of a folder without URLs) holds its
        # page's hashes as a compact array until a second page arrives.
        self._first: array | None = None

    def add(self, hashes: dict[int, str], zone: Iterable[int] = (), zone_blocks: Iterable[int] = ()) -> None:
        """One page's distinct block hashes (hash -> normalised text, for samples).

        `zone`: those of its hashes that are headline-zone keys; `zone_blocks`:
        the block hashes of the blocks in its headline zone.
        """
        self.pages += 1
        self.zone_keys.update(zone)
        self.zone_blocks.update(zone_blocks)
        if self.pages == 1:
            self._first = array("Q", hashes)
            return
        if self._first is not None:
            self.counts = dict.fromkeys(self._first, 1)
            self._first = None
        bucket = math.ceil(self.pages / LOSSY_BUCKET)
        counts, deltas = self.counts, self.deltas
        for h, norm in hashes.items():
            c = counts.get(h)
            if c is None:
                counts[h] = 1
                if bucket > 1:
                    deltas[h] = bucket - 1
            else:
                counts[h] = c + 1
                if c + 1 == MIN_PAGES and h not in self.samples and len(self.samples) < MAX_SAMPLES_PER_GROUP:
                    self.samples[h] = norm[:SAMPLE_CHARS]
        if self.pages % LOSSY_BUCKET == 0:
            self._prune(bucket)

    def _prune(self, bucket: int) -> None:
        deltas = self.deltas
        gone = [h for h, c in self.counts.items() if c + deltas.get(h, 0) <= bucket]
        for h in gone:
            del self.counts[h]
            deltas.pop(h, None)
            self.samples.pop(h, None)
            self.zone_keys.discard(h)
            self.zone_blocks.discard(h)

    def template_blocks(self) -> dict[int, int]:
        """Hashes that may be template under the loosest tier, with page counts."""
        if self.pages < MIN_PAGES:
            return {}
        need = max(MIN_PAGES, math.ceil(SHORT_MIN_SHARE * self.pages))
        zone, headlines = self.zone_keys, self.zone_blocks
        return {
            h: c for h, c in self.counts.items()
            if c >= need or h in zone or (c >= OTHER_HEADLINE_MIN_PAGES and h in headlines)
        }


class TemplateLearner:
    """Streams pages, groups them by site, counts their blocks per group.

    Holds no page text: per group, hashes and counts (plus capped samples of
    recurring blocks); for grouping, each group's first chrome hash set.
    """

    def __init__(self) -> None:
        self.groups: dict[str, GroupCounts] = {}
        self.clusterer = ChromeClusterer()
        self._unnamed = 0

    def add(self, text: str, url: str | None = None) -> str:
        """Learn from one page dump; return the name of the group it joined."""
        texts = [line.strip() for line in text.splitlines() if line.strip()]
        norms = [normalize(t) for t in texts]
        zone = [norms[j] for j in headline_zone(texts, norms=norms) if norms[j]]
        return self.add_norms([n for n in norms if n], url, zone)

    def add_norms(self, norms: list[str], url: str | None = None, zone: Iterable[str] = ()) -> str:
        """Learn from one page's normalised blocks; `zone`: those in its headline zone."""
        page_hashes = [block_hash(n) for n in norms]
        chrome = chrome_set(norms, page_hashes)
        site = site_of(url)
        if site is not None:
            group, how = site, "url"
            self.clusterer.add_group(site, chrome)
        else:
            self._unnamed += 1
            group = self.clusterer.assign(chrome, f"chrome-{self._unnamed}")
            how = "chrome"
        counts = self.groups.get(group)
        if counts is None:
            counts = self.groups[group] = GroupCounts(group, how)
        hashes: dict[int, str] = {}
        for h, n in zip(page_hashes, norms):
            hashes.setdefault(h, n)
            label = label_of(n)
            if label is not None:
                hashes.setdefault(label_hash(label), label + ": …")
        zone_keys = []
        for n in zone:
            zone_keys.append(zone_hash(n))
            hashes.setdefault(zone_keys[-1], "above the prose: " + n)
        counts.add(hashes, zone_keys, [block_hash(n) for n in zone])
        return group

    def templates(self) -> "Templates":
        groups = []
        for g in self.groups.values():
            blocks = g.template_blocks()
            if blocks:
                samples = {h: g.samples[h] for h in blocks if h in g.samples}
                groups.append(SiteTemplate(g.name, g.how, g.pages, blocks, samples))
        return Templates(tuple(_renumbered(groups)))


def _renumbered(groups: list["SiteTemplate"]) -> list["SiteTemplate"]:
    """Chrome groups named chrome-1, chrome-2... in order, over the groups kept."""
    out, n = [], 0
    for g in groups:
        if g.how == "chrome":
            n += 1
            g = SiteTemplate(f"chrome-{n}", g.how, g.pages, g.blocks, g.samples)
        out.append(g)
    return out


# ---------------------------------------------------------------- the verdict


@dataclass(frozen=True)
class SiteTemplate:
    """One group's template: its page count and, per template block hash, its page count."""

    name: str
    how: str  # "url" or "chrome"
    pages: int
    blocks: dict[int, int]
    samples: dict[int, str] = field(default_factory=dict)

    def where(self) -> str:
        return f"site {self.name}" if self.how == "url" else f"page group {self.name} (pages sharing chrome)"


def required(stats) -> tuple[float, int]:
    """(share of the group's pages, minimum pages) a block with these stats needs."""
    if stats.sentence_end and stats.words >= LONG_MIN_WORDS:
        return LONG_MIN_SHARE, LONG_MIN_PAGES
    if stats.sentence_end and stats.words >= SENTENCE_MIN_WORDS:
        return SENTENCE_MIN_SHARE, SENTENCE_MIN_PAGES
    return SHORT_MIN_SHARE, MIN_PAGES


def is_byline(norm: str, stats) -> bool:
    first = norm.split(" ", 1)[0]
    if first.endswith(":"):  # "Autor: Jan Kowalski"
        first = first[:-1]
    elif first in BYLINE_OPENERS:
        return stats.words <= BYLINE_MAX_WORDS and stats.capitalised >= 2
    return first in BYLINE_LABELS and stats.words <= BYLINE_MAX_WORDS and stats.capitalised >= 2


def claim(group: SiteTemplate, h: int, stats, norm: str = ""):
    """The Verdict of `group` on a block of hash h, or None."""
    if is_byline(norm, stats):
        return None
    count = group.blocks.get(h)
    if count is None:
        return _claim_label(group, norm, stats)
    share, min_pages = required(stats)
    if count < min_pages or count < share * group.pages:
        return None
    from .pipeline import Verdict

    return Verdict(f"template:{group.name}", f"repeats on {count} of {group.pages} pages of {group.where()}")


def _claim_label(group: SiteTemplate, norm: str, stats):
    """The Verdict on a "site label: headline" block whose label the group's pages share, or None."""
    label = label_of(norm) if norm else None
    if label is None or stats.sentence_end or stats.words > LABEL_MAX_WORDS + HEADLINE_MAX_WORDS:
        return None
    count = group.blocks.get(label_hash(label))
    if count is None or count < MIN_PAGES or count < SHORT_MIN_SHARE * group.pages:
        return None
    # what follows the label must be a headline the site shows on its own
    # (above a page's prose, or in its lists): a teaser, not a photo caption
    rest = normalize(norm[norm.find(":") + 1 :])
    if block_hash(rest) not in group.blocks and zone_hash(rest) not in group.blocks:
        return None
    from .pipeline import Verdict

    return Verdict(
        f"template:{group.name}",
        f"opens with the label {label!r}, which opens a block on {count} of {group.pages} pages of {group.where()}",
    )


def claim_other_headline(group: SiteTemplate, h: int, stats, norm: str):
    """The Verdict on a block that is another page's headline (see OTHER_HEADLINE_*), or None."""
    if not (HEADLINE_MIN_WORDS <= stats.words <= HEADLINE_MAX_WORDS) or stats.sentence_end:
        return None
    if _attribution_like(norm, stats):
        return None
    count = group.blocks.get(h, 0)
    above = group.blocks.get(zone_hash(norm), 0)
    ranked = _RANK.match(norm)
    if ranked and count < OTHER_HEADLINE_MIN_PAGES:
        # "3. <headline>": a numbered list item is a list's, whatever its count
        count, above = max(count, 1), group.blocks.get(zone_hash(norm[ranked.end() :]), 0)
        if not 1 <= above < ZONE_MIN_PAGES:
            return None
    elif count < OTHER_HEADLINE_MIN_PAGES or not 1 <= above < ZONE_MIN_PAGES:
        return None
    from .pipeline import Verdict

    return Verdict(
        f"template:{group.name}",
        f"the headline of another page of {group.where()}, shown on {count} of {group.pages} pages",
    )


class PageTemplates:
    """The template's view for one page: its group, minus the page's headline.

    `exempt` holds the positions (block indexes in the page given to
    `for_page`) of the headline-like blocks right above the page's prose. A
    position, not a text: when a page shows its headline twice, or its
    category label both in the menu and above the headline, only the copy
    standing where the headline stands is spared.
    """

    def __init__(
        self,
        group: SiteTemplate | None,
        exempt: frozenset[int] = frozenset(),
        zone: frozenset[int] = frozenset(),
        hashes: list[int] | None = None,
        stats: list | None = None,
    ):
        self.group = group
        self.exempt = exempt
        self.zone = zone  # the page's whole headline zone, spared or not
        self._hashes = hashes  # the page's block hashes, by position
        self.stats = stats  # the page's block statistics (no stop words), when a group applies

    def verdict(self, norm: str, stats, position: int | None = None):
        if self.group is None or not norm or position in self.exempt:
            return None
        if position is not None and self._hashes is not None and position < len(self._hashes):
            h = self._hashes[position]
        else:
            h = block_hash(norm)
        v = claim(self.group, h, stats, norm)
        if v is None and position is not None and position not in self.zone:
            v = claim_other_headline(self.group, h, stats, norm)
        return v

    def for_page(self, blocks, url: str | None = None) -> "PageTemplates":
        return self


@dataclass(frozen=True)
class Templates:
    """Learned templates of one or more groups: save, load, and judge blocks."""

    groups: tuple[SiteTemplate, ...]

    def __post_init__(self):
        index: dict[int, list[SiteTemplate]] = {}
        for g in self.groups:
            for h in g.blocks:
                index.setdefault(h, []).append(g)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_by_name", {g.name: g for g in self.groups})

    def group(self, name: str) -> SiteTemplate | None:
        return self._by_name.get(name)

    def verdict(self, norm: str, stats):
        """Any group's claim (the strongest): for callers that know no page context."""
        if not norm:
            return None
        h = block_hash(norm)
        label = label_of(norm)
        holders = list(self._index.get(h, ()))
        if label is not None:
            holders += [g for g in self._index.get(label_hash(label), ()) if g not in holders]
        best = None
        for g in holders:
            v = claim(g, h, stats, norm)
            share = g.blocks.get(h, g.blocks.get(label_hash(label), 0) if label else 0) / g.pages
            if v is not None and (best is None or share > best[0]):
                best = (share, v)
        return best[1] if best else None

    def for_page(self, blocks, url: str | None = None, *, norms=None, stats=None) -> PageTemplates:
        """The view of one page (blocks: Block objects or texts; norms and stats if already known)."""
        texts = [getattr(b, "text", b) for b in blocks]
        if norms is None:
            norms = [normalize(t) for t in texts]
        hashes = [block_hash(n) if n else 0 for n in norms]
        group = self._select(hashes, site_of(url))
        if group is None:
            return PageTemplates(None)
        if stats is None:
            stats = [text_stats(t, frozenset()) for t in texts]
        # the zone is anchored on prose that is the page's own, not the site's
        zone = headline_zone(texts, stats, norms, anchor_ok=lambda i: hashes[i] not in group.blocks)
        spared = _spared(group, norms, stats, hashes, zone)
        return PageTemplates(group, spared, frozenset(zone), hashes, stats)

    def _select(self, hashes: list[int], site: str | None) -> SiteTemplate | None:
        if site is not None and site in self._by_name:
            return self._by_name[site]
        held: Counter = Counter()
        for h in set(hashes):
            for g in self._index.get(h, ()):
                held[g.name] += 1
        if not held:
            return None
        name, n = max(sorted(held.items()), key=lambda kv: kv[1])
        return self._by_name[name] if n >= SELECT_MIN_BLOCKS else None

    # ------------------------------------------------------------ files

    def save(self, path: str | os.PathLike) -> None:
        """Write the templates file (TOML) atomically."""
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                f.write(self.to_toml())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def to_toml(self) -> str:
        out = [
            "# cleaner templates: blocks that recur across the pages of a site.",
            "# Each block: [hash, pages holding it, sample text]. The hash is the first",
            "# 8 bytes of blake2b over the normalised block with digit runs as 0 and",
            "# month/weekday names as @ (see cleaner/templates.py).",
            f"format = {FORMAT_VERSION}",
            "",
        ]
        for g in self.groups:
            out += ["[[group]]", f"name = {_toml_str(g.name)}", f"how = {_toml_str(g.how)}", f"pages = {g.pages}", "blocks = ["]
            for h, c in sorted(g.blocks.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"  [{_toml_str(_hex(h))}, {c}, {_toml_str(g.samples.get(h, ''))}],")
            out += ["]", ""]
        return "\n".join(out)


def _toml_str(s: str) -> str:
    """A TOML basic string."""
    out = []
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("\ufffd")  # a lone surrogate (from a JSON record) has no UTF-8 form
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _spared(group: SiteTemplate, norms: list[str], stats, hashes: list[int], zone: list[int]) -> frozenset[int]:
    """Positions in the page's headline zone that the template must not claim.

    Never a block the site shows above the prose of several pages (ZONE_*).
    Of the others: the block nearest the prose (bylines, date lines and the
    site's labelled teasers aside), which is where the headline stands, but
    not its copies farther up (a breadcrumb, the title shown twice: the one
    kept is the one where the headline stands); other blocks farther up only
    when they are not on nearly every page of the site (a sponsor line or a
    menu entry repeated as the category label is; an article's headline, a
    teaser on some other pages, is not).
    """
    def site_teaser(j: int) -> bool:
        # "label: another page's headline" (a headline with a colon is not one)
        return _claim_label(group, norms[j], stats[j]) is not None

    zone = [j for j in zone if group.blocks.get(zone_hash(norms[j]), 0) < ZONE_MIN_PAGES and not site_teaser(j)]
    nearest = next((j for j in reversed(zone) if not _attribution_like(norms[j], stats[j])), None)
    site_wide = LONG_MIN_SHARE * group.pages
    headline = hashes[nearest] if nearest is not None else None
    return frozenset(
        j for j in zone
        if j == nearest or (hashes[j] != headline and group.blocks.get(hashes[j], 0) < site_wide)
    )


def _attribution_like(norm: str, stats) -> bool:
    """A byline or a date line: stands by the headline, is not one."""
    return is_byline(norm, stats) or (stats.has_date and stats.words <= DATE_LINE_MAX_WORDS)


def headline_zone(texts: list[str], stats=None, norms=None, anchor_ok=None) -> list[int]:
    """Positions of the headline-like blocks right above the page's first prose block.

    The anchor is the first block of ZONE_ANCHOR_MIN_WORDS+ words ending like
    a sentence (for which `anchor_ok(i)`, if given, holds). Walking up from
    it over at most ZONE_MAX_BLOCKS blocks, the blocks of
    HEADLINE_MIN..MAX words that do not end like a sentence, until
    HEADLINE_LOOKBACK of them are neither a byline, a date line nor a
    "label: text" block: the headline (once or repeated), and whatever else
    stands where a headline could (a category label, a sponsor line, a kicker).
    """
    if stats is None:
        stats = [text_stats(t, frozenset()) for t in texts]
    if norms is None:
        norms = [normalize(t) for t in texts]
    for i, s in enumerate(stats):
        if s.words < ZONE_ANCHOR_MIN_WORDS or not s.sentence_end or s.teaser_end:
            continue
        if anchor_ok is not None and not anchor_ok(i):
            continue
        zone, counted = [], 0
        for j in range(i - 1, max(-1, i - 1 - ZONE_MAX_BLOCKS), -1):
            sj = stats[j]
            if not (HEADLINE_MIN_WORDS <= sj.words <= HEADLINE_MAX_WORDS and not sj.sentence_end):
                continue
            zone.append(j)
            if _attribution_like(norms[j], sj) or label_of(norms[j]) is not None:
                continue
            counted += 1
            if counted == HEADLINE_LOOKBACK:
                break
        return sorted(zone)
    return []


# ---------------------------------------------------------------- loading


def load_templates(path: str | os.PathLike) -> Templates:
    """Read and validate a templates file; TemplateError lists `file:line: problem`."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise TemplateError([f"{path}: cannot read templates file: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TemplateError([f"{path}:{line}: not UTF-8"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = m.group(1) if m else "1"
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise TemplateError([f"{path}:{line}: not valid TOML: {msg}"]) from None
    return _build(path, text.splitlines(), data)


def _line_of(lines: list[str], needle: str, after: int = 0) -> int:
    """1-based number of the first line at or after `after` containing needle (else after+1)."""
    for i in range(after, len(lines)):
        if needle in lines[i]:
            return i + 1
    return after + 1 if after < len(lines) else max(1, len(lines))


def _build(path: str, lines: list[str], data: dict) -> Templates:
    problems: list[str] = []

    def problem(line: int, text: str) -> None:
        problems.append(f"{path}:{line}: {text}")

    fmt = data.get("format")
    if fmt != FORMAT_VERSION:
        problem(_line_of(lines, "format"), f"format must be {FORMAT_VERSION}, not {fmt!r}")
    unknown = set(data) - {"format", "group"}
    for key in sorted(unknown):
        problem(_line_of(lines, key), f"unknown key {key!r} (expected format, [[group]])")
    raw_groups = data.get("group", [])
    if not isinstance(raw_groups, list):
        problem(_line_of(lines, "group"), "group must be an array of tables ([[group]])")
        raw_groups = []
    groups = []
    seen: set[str] = set()
    cursor = 0
    for raw in raw_groups:
        cursor = _line_of(lines, "[[group]]", cursor) if cursor < len(lines) else cursor
        start = cursor
        cursor += 1
        g = _build_group(raw, lines, start, problem)
        if g is None:
            continue
        if g.name in seen:
            problem(_line_of(lines, _toml_str(g.name), start - 1), f"duplicate group name {g.name!r}")
            continue
        seen.add(g.name)
        groups.append(g)
    if problems:
        raise TemplateError(problems)
    return Templates(tuple(groups))


def _build_group(raw, lines, start: int, problem) -> SiteTemplate | None:
    ok = True
    if not isinstance(raw, dict):
        problem(start, "group must be a table")
        return None
    for key in sorted(set(raw) - {"name", "how", "pages", "blocks"}):
        problem(_line_of(lines, key, start - 1), f"unknown key {key!r} in group (expected name, how, pages, blocks)")
        ok = False
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problem(start, "group needs a name (a non-empty string)")
        ok = False
    how = raw.get("how", "url")
    if how not in ("url", "chrome"):
        problem(_line_of(lines, "how", start - 1), f"how must be 'url' or 'chrome', not {how!r}")
        ok = False
    pages = raw.get("pages")
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
        problem(_line_of(lines, "pages", start - 1), f"pages must be a positive integer, not {pages!r}")
        return None
    blocks_raw = raw.get("blocks", [])
    if not isinstance(blocks_raw, list):
        problem(_line_of(lines, "blocks", start - 1), "blocks must be an array of [hash, pages, sample]")
        return None
    blocks: dict[int, int] = {}
    samples: dict[int, str] = {}
    where = _line_of(lines, "blocks", start - 1)
    for item in blocks_raw:
        hex_ok = isinstance(item, list) and item and isinstance(item[0], str)
        line = _line_of(lines, f'"{item[0]}"', where - 1) if hex_ok else where
        if not (isinstance(item, list) and len(item) in (2, 3)):
            problem(line, f"a block must be [hash, pages, sample], not {item!r}")
            ok = False
            continue
        h, count = item[0], item[1]
        sample = item[2] if len(item) == 3 else ""
        if not (isinstance(h, str) and _HEX16.match(h)):
            problem(line, f"block hash must be 16 lower-case hex digits, not {h!r}")
            ok = False
            continue
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= pages:
            problem(line, f"block pages must be an integer from 1 to the group's pages ({pages}), not {count!r}")
            ok = False
            continue
        if not isinstance(sample, str):
            problem(line, f"block sample must be a string, not {sample!r}")
            ok = False
            continue
        where = line
        blocks[int(h, 16)] = count
        if sample:
            samples[int(h, 16)] = sample
    if not ok:
        return None
    return SiteTemplate(name, how, pages, blocks, samples)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Templates:
    return load_templates(path)


def resolve_templates(templates) -> Templates | PageTemplates:
    """A templates file path (loaded once per process and file version) or a loaded object."""
    if isinstance(templates, (Templates, PageTemplates)) or hasattr(templates, "verdict"):
        return templates
    if isinstance(templates, (str, os.PathLike)):
        path = os.fspath(templates)
        try:
            st = os.stat(path)
        except OSError as exc:
            raise TemplateError([f"{path}: cannot read templates file: {exc.strerror or exc}"]) from None
        return _load_cached(os.path.abspath(path), st.st_mtime_ns, st.st_size)
    raise TypeError(f"templates must be a templates file path or a loaded Templates, not {type(templates).__name__}")


# ---------------------------------------------------------------- folders


def learn_pages(pages: Iterable[tuple[str, str | None]]) -> Templates:
    """Learn from (text, url-or-None) pairs, streamed."""
    learner = TemplateLearner()
    for text, url in pages:
        learner.add(text, url)
    return learner.templates()


# ---------------------------------------------------------------- before judging


def prefilter(blocks, templates, rulesets, url: str | None = None):
    """Take the template's blocks out of a page before it is judged: (rest, {index: Verdict}).

    The heuristics and the line model read a page's layout (where the prose
    region starts, what stands next to the headline); a site's chrome that is
    merely marked, not gone, still shapes that reading, and an in-body ad the
    template claims would split the article's region in two. Taken out first,
    the page is judged as if the site had no chrome. Blocks any rule matches
    (drop or keep: attribution such as "(AFP)" recurs on many pages) are left
    to the rules.
    """
    from .pipeline import matcher_for
    from .rules import select_rulesets

    view = resolve_templates(templates)
    norms = [normalize(b.text) for b in blocks]
    stats = None
    if isinstance(view, Templates):
        view = view.for_page(blocks, url=url, norms=norms)
        if view.group is None:
            # most pages of a mixed scrape belong to no learned site: they pay
            # for one hash per block, not for statistics and rule matching
            return list(blocks), {}
        stats = view.stats
    elif hasattr(view, "for_page"):
        view = view.for_page(blocks, url=url)
    if stats is None:
        stats = [text_stats(b.text, frozenset()) for b in blocks]
    positional = isinstance(view, PageTemplates)
    matcher = matcher_for(tuple(select_rulesets(rulesets, norms, url)))
    rest, claimed = [], {}
    for i, (block, norm) in enumerate(zip(blocks, norms)):
        v = None
        rule = matcher.match(norm, block.text) if norm else None
        if norm and (rule is None or rule.action == "drop"):
            v = view.verdict(norm, stats[i], i) if positional else view.verdict(norm, stats[i])
            if v is not None and rule is not None:
                # boilerplate a drop rule names and the site repeats ("Advertisement",
                # a share label): out before judging, like the rest of the chrome,
                # under the rule's own id and reason
                v = type(v)(rule.id, rule.reason)
        if v is None:
            rest.append(block)
        else:
            claimed[block.index] = v
    return rest, claimed

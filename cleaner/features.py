"""Cheap per-block text statistics, computed once per block.

Everything the heuristics and the line model read about a block's own text
lives here, so each block is scanned a fixed, small number of times.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

WORD = re.compile(r"\w+")  # a word, as every count of words here and in heuristics takes it
# Shorter words are mostly function words the stop lists miss.
_TOPIC_MIN_CHARS = 4
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?…。！？:;][\"'”’»)\]]*$")
_TEASER_END = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*\W*$")
# a short title cut off with two dots ("설리, 무엇이 이 스물다섯 청춘의..", as
# portals list other stories); a long block ending so is a sentence with a
# typo ("… werde 11.."); nor is an abbreviation with a full stop after it
# ("the U.S..", "etc..")
_TWO_DOTS_END = re.compile(r"(?:^|\s)[^\s.]+\.\.\s*$")
_CUT_TITLE_MAX_WORDS = 10
_DATE = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b"
    r"|\b(?:19|20)\d{2}\b"
)
# a lower-case letter directly followed by a capital and then a lower-case
# letter: two link texts run together by the dump ("Student-AthleteA 24-year-old");
# or a headline's last digit or mark glued to its teaser's first word
# ("To 250,000The state", "On The Rise?Violence is"). After a digit, only a
# capitalised word counts ("3D", "5G" are words of their own); an apostrophe
# is left out: "l’Italia", "O’Neill" are one word.
_JOIN = re.compile(r"[a-zà-ÿ][A-ZÀ-Þ](?=[a-zà-ÿ ])|[0-9?!”)][A-ZÀ-Þ](?=[a-zà-ÿ]{2})")
# a sentence ends inside the text: what comes before a join is no headline
_INNER_SENTENCE_END = re.compile(r"[.!?][\"'”’»)]*\s")
# shorter letter runs before a join are a brand's first half ("iPhone",
# "YouTube", "GmbH"), not the end of a headline
_JOIN_MIN_PIECE = 4
_GLUED_TITLE_MIN_WORDS = 3
_GLUED_SUMMARY_MIN_WORDS = 6
# share of the title's words that are capitalised: headlines are set in title
# case (or, in German, carry capitalised nouns); a sentence is not
_GLUED_TITLE_CAPITALISED = 0.6
# a title whose every word (this many or more) is capitalised is set in title
# case; the summary glued to it is in sentence case when fewer than this share
# of its words are capitalised
_TITLE_CASE_MIN_WORDS = 4
_SENTENCE_CASE_MAX_CAPITALISED = 0.5
# a one-word label before a headline: "Update | Crash victims identified";
# one bar only ("Published:Tuesday | April 26, 2022 | 9:52 PM" is a dateline)
_LABEL_PREFIX = re.compile(r"^[^\s|]{2,20} \| [^\s|]+(?: [^\s|]+){3,}$")
_BULLET = re.compile(r"^[*•·◦▪►»\-–—|>]\s")
_SEPARATORS = re.compile(r"\s[|»›>/·•]\s")
_URLISH = re.compile(r"https?://|www\.|@\w+\.\w{2,}|\.(?:com|de|fr|org|net)\b")

# The end of a block is all the sentence/teaser patterns need to see.
_TAIL_CHARS = 16
STOPWORD_DIR = Path(__file__).parent / "data" / "stopwords"
CALENDAR_WORDS_FILE = Path(__file__).parent / "data" / "calendar_words.txt"
# Fewer stop-word hits than this in a page: no language is guessed.
_MIN_LANG_HITS = 3
_LANG_SAMPLE_WORDS = 3000


def word_list(path: Path) -> list[str]:
    """The entries of a word-list data file: one a line, `#` comments and blank lines left out."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            entries.append(line)
    return entries


@functools.lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    """Stop-word lists per language code, one word a line in data/stopwords/."""
    return {path.stem: frozenset(w.lower() for w in word_list(path)) for path in sorted(STOPWORD_DIR.glob("*.txt"))}


@functools.lru_cache(maxsize=1)
def calendar_words() -> tuple[str, ...]:
    """Month and weekday names (data/calendar_words.txt), lower case."""
    return tuple(word_list(CALENDAR_WORDS_FILE))


# Month names that are also common words (and so not in the calendar list):
# a date reads them only beside a number ("May 10", "10 May"), never "you may".
AMBIGUOUS_MONTHS = ("may",)


@functools.lru_cache(maxsize=1)
def _calendar_set() -> frozenset[str]:
    return frozenset(calendar_words() + AMBIGUOUS_MONTHS)


@functools.lru_cache(maxsize=1)
def _date_lead() -> re.Pattern:
    """A block that opens with a date: "June 9 – West Palm Beach", "10. März:", "12/03 …"."""
    names = "|".join(sorted((re.escape(w) for w in _calendar_set()), key=len, reverse=True))
    return re.compile(
        rf"^(?:(?:{names})\.?,? \d{{1,2}}\b|\d{{1,2}}\.? (?:de )?(?:{names})\b|\d{{1,2}}[./]\d{{1,2}}\b)",
        re.IGNORECASE,
    )


def date_lead(text: str) -> bool:
    """Whether the block opens with a date (the first word tells most blocks apart cheaply)."""
    if not text[:1].isdigit() and text.split(" ", 1)[0].rstrip(".,").lower() not in _calendar_set():
        return False
    return bool(_date_lead().match(text))


@functools.lru_cache(maxsize=1)
def _any_stopword() -> frozenset[str]:
    return frozenset().union(*stopwords().values()) if stopwords() else frozenset()


@functools.lru_cache(maxsize=1)
def _languages_of_word() -> dict[str, tuple[str, ...]]:
    """word -> the languages whose stop list has it: one lookup per word, not one per list."""
    index: dict[str, list[str]] = {}
    for lang, words in sorted(stopwords().items()):
        for word in words:
            index.setdefault(word, []).append(lang)
    return {word: tuple(langs) for word, langs in index.items()}


def guess_language(texts, counted=None) -> str | None:
    """The language whose stop words are most frequent in the page, or None.

    `counted(text)` may stand in for language_hits (a cache: a page judged
    again after removals reads the same blocks).
    """
    count = counted or language_hits
    counts: dict[str, int] = {}
    seen = 0
    for text in texts:
        n_words, hits = count(text)
        seen += n_words
        for lang, k in hits:
            counts[lang] = counts.get(lang, 0) + k
        if seen > _LANG_SAMPLE_WORDS:
            break
    if not counts:
        return None
    lang, hits = max(sorted(counts.items()), key=lambda kv: kv[1])
    return lang if hits >= _MIN_LANG_HITS else None


def language_hits(text: str) -> tuple[int, tuple[tuple[str, int], ...]]:
    """(words in the text, stop-word hits per language) for guess_language."""
    index = _languages_of_word()
    words = WORD.findall(text.lower())
    counts: dict[str, int] = {}
    for word in words:
        langs = index.get(word)
        if langs:
            for lang in langs:
                counts[lang] = counts.get(lang, 0) + 1
    return len(words), tuple(counts.items())


@dataclass(frozen=True, slots=True)
class TextStats:
    chars: int
    words: int
    stop: int  # stop words of the page's language
    commas: int
    digits: int
    capitalised: int  # words starting with an upper-case letter
    sentence_end: bool  # ends like a sentence (. ! ? … :)
    teaser_end: bool  # ends with an ellipsis: a cut-off teaser
    all_caps: bool
    bullet: bool
    separators: int  # " | ", " » " ... as in breadcrumbs and menus
    has_date: bool
    urlish: bool
    joins: int = 0  # "AthleteA", "SubscribeSign": inline links rendered with no space between them
    glued_title: bool = False  # a teaser: a headline run into its summary ("…Home RenovationMichigan couple finds…")
    label_prefix: bool = False  # "Update | Crash victims identified": a label, one bar, a headline
    date_lead: bool = False  # opens with a date: an item of a schedule ("June 9 – West Palm Beach")
    # the block's content words (lower case, not stop words, 4+ letters): what
    # it is about, to tell the story's own lines from teasers of other stories
    topic: frozenset[str] = frozenset()

    @property
    def stop_ratio(self) -> float:
        return self.stop / self.words if self.words else 0.0


def text_stats(text: str, stop: frozenset[str]) -> TextStats:
    words = WORD.findall(text)
    joins = len(_JOIN.findall(text))
    lower = [w.lower() for w in words]
    letters_upper = text.upper()
    return TextStats(
        chars=len(text),
        words=len(words),
        stop=sum(1 for w in lower if w in stop),
        commas=text.count(",") + text.count("،"),
        digits=len(_DIGIT.findall(text)),
        capitalised=sum(1 for w in words if w[0].isupper()),
        sentence_end=bool(_SENTENCE_END.search(text[-_TAIL_CHARS:])),
        teaser_end=bool(_TEASER_END.search(text[-_TAIL_CHARS:]))
        or (len(words) <= _CUT_TITLE_MAX_WORDS and bool(_TWO_DOTS_END.search(text[-_TAIL_CHARS:]))
            and not text.rstrip().lower().endswith("etc..")),
        all_caps=letters_upper == text and text.lower() != text,
        bullet=bool(_BULLET.match(text)),
        separators=len(_SEPARATORS.findall(text)),
        has_date=bool(_DATE.search(text)),
        urlish=bool(_URLISH.search(text)),
        joins=joins,
        glued_title=joins > 0 and glued_title(text),
        label_prefix=bool(_LABEL_PREFIX.match(text)),
        date_lead=date_lead(text),
        topic=frozenset(w for w in lower if len(w) >= _TOPIC_MIN_CHARS and w not in stop and not w.isdigit()),
    )


def glued_title(text: str) -> bool:
    """A headline run into its teaser's summary with no space: "…Student-AthleteA 24-year-old woman…".

    Teaser lists of other stories render so in dumps: the title link and the
    summary paragraph lose the break between them. The part before the join
    must read as a title (a few words, mostly capitalised, no sentence ended
    inside it, no open bracket) and the part after it as a summary.
    """
    for found in _JOIN.finditer(text):
        cut = found.start() + 1
        title, summary = text[:cut], text[cut:]
        if len(title.split()) < _GLUED_TITLE_MIN_WORDS or len(summary.split()) < _GLUED_SUMMARY_MIN_WORDS:
            continue
        if title.count("(") > title.count(")"):
            continue
        if _FIELD_LABEL.match(title) and _FIELD_LABEL.match(summary):
            continue  # "Name: Stolen SackLevel: 70": fields of a record run together
        words = _TITLE_WORD.findall(title)
        capitalised = sum(1 for w in words if w[0].isupper())
        if not words or capitalised < _GLUED_TITLE_CAPITALISED * len(words):
            continue  # "…suspects used WhatsApp to plan…" is a sentence with a brand in it
        # a headline set in title case, glued to a summary in sentence case,
        # may hold two sentences ("Say Cheese? Detroit's Top 3 Cheese
        # ShopsWondering where…"); otherwise a sentence ended before the
        # join. A short run of letters before the join is a brand's first
        # half ("YouTube", "PayPal", "McPherson") in any case.
        summary_words = _TITLE_WORD.findall(summary)
        title_case = (
            len(words) >= _TITLE_CASE_MIN_WORDS
            and capitalised == len(words)
            and sum(1 for w in summary_words if w[0].isupper()) < _SENTENCE_CASE_MAX_CAPITALISED * len(summary_words)
        )
        if not title_case and _INNER_SENTENCE_END.search(title):
            continue
        if title[-1].isalpha() and len(_LAST_LETTERS.search(title).group()) < _JOIN_MIN_PIECE:
            continue
        return True
    return False


_FIELD_LABEL = re.compile(r"[^\W\d_]+:")
_LAST_LETTERS = re.compile(r"[^\W\d_]*$")
_TITLE_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def stop_list(lang: str | None) -> frozenset[str]:
    """The page language's stop words, or every list's when no language was guessed."""
    if lang and lang in stopwords():
        return stopwords()[lang]
    return _any_stopword()

"""HTML page -> blocks: element rules, main-content extraction, a dump-like fallback.

The markup-aware first pass for HTML input:

1. parse (lxml, recovering from broken markup) and read the headline from the
   markup (`og:title`, `twitter:title`, the first `<h1>`, `<title>`);
2. cut the elements that selector rules name (cleaner/data/selectors/: a
   theme's share bar, WordPress's comment form...), see selectors.py;
3. extract the main content with trafilatura (comments left out) and keep its
   block structure: one block per heading, paragraph, list item, quote, table
   cell, line of code. Its main extractor runs alone first; its full cascade
   (readability and jusText as second opinions) only when that found little
   of the page. The article's other modules (same container, repeated) and
   a standfirst left in its header are put back, a trailing list of linked
   headlines (other articles) is cut;
4. when that yields little or nothing, fall back: render the page the way a
   scraper's dump looks (scripts and styles dropped, one line per block
   element) and let the text pipeline find the article in it, as for a dump.

The blocks then go through the same rules and heuristics as a dump (api.py).
Every block is one line with whitespace collapsed, so the output read back
as a dump splits into the same blocks (idempotence).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from . import selectors
from .model import Block

# Extraction shorter than this (characters of text), while the rendered page
# holds this many times more prose, is taken as a miss: the fallback runs.
MIN_EXTRACTED_CHARS = 250
FALLBACK_RATIO = 4

# trafilatura runs in two steps. Its main extractor alone ("fast") first; its
# full cascade (readability and jusText compared with the main extractor) costs
# about a third more time and changes the result almost only where the main
# extractor found little of the page, or handed back the whole page as one
# block (its baseline dump). Only then is the full cascade run. "Little" is
# under a tenth of the page's text: on the development pages, a sixth ran it
# on 36 of 423 pages, a tenth on 17, for F1 0.9657 and 0.9654.
FULL_CASCADE_SHARE = 0.10
DUMP_LINE_SHARE = 0.8

# trafilatura's output elements that make one block each (its XML vocabulary)
_EXTRACT_BLOCKS = frozenset({"head", "p", "item", "quote", "cell", "code", "list", "table", "row", "div", "body", "lb"})
_EXTRACT_BREAKS = frozenset({"lb"})
# elements of the extraction that hold running text (an inline <code> in them is a word)
_TEXT_PARENTS = frozenset({"p", "item", "head", "cell", "hi", "ref", "del", "label"})

# the fallback rendering: what a scraper's innerText-like dump drops and breaks on
_DROP_TAGS = frozenset(
    "script style noscript template svg math head title iframe object embed canvas video audio".split()
)
_BLOCK_TAGS = frozenset(
    """
    address article aside blockquote body br button caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 header hgroup hr html
    label legend li listing main menu nav ol optgroup option p pre section select summary table
    tbody td textarea tfoot th thead tr ul
    """.split()
)
_PRE_TAGS = frozenset({"pre", "listing", "textarea"})

_WS = re.compile(r"\s+")
_NOSCRIPT = re.compile(r"<noscript\b[^>]*>.*?</noscript\s*>", re.I | re.S)
_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*\?>", re.I)

# lxml.html's own parser picks an element class per tag in Python, once for
# every element object handed out: trafilatura walks the tree many times and
# spends a tenth of its time there. One class for all, chosen inside lxml,
# keeps the lxml.html API (text_content, drop_tree) that trafilatura uses.
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement,
    comment=lxml_html.HtmlComment,
    pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity,
)

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Extraction:
    blocks: list[Block]
    title: str | None
    method: str  # "trafilatura" or "render" (the fallback)
    cuts: tuple  # selectors.Cut: elements cut before extraction


def html_to_blocks(text: str, url: str | None = None) -> tuple[list[Block], str | None]:
    """The page's content blocks and its headline from the markup (or None)."""
    ex = extract(text, url=url)
    return ex.blocks, ex.title


def extract(text: str, url: str | None = None, selector_sets=None) -> Extraction:
    """Markup-aware first pass; never raises on a str."""
    root = parse(text)
    if root is None:
        return Extraction([], None, "render", ())
    title = markup_title(root)
    sets = selectors.load_builtin() if selector_sets is None else selector_sets
    cuts = tuple(selectors.apply(sets, root))
    page_chars = selectors.page_chars(root)
    lines = _trafilatura_lines(root, url, fast=True)
    if lines is None or _needs_full_cascade(lines, page_chars):
        lines = _trafilatura_lines(root, url, fast=False)
    rendered = None
    if lines is not None and len(lines) == 1:
        # on a small page trafilatura's last resort returns the whole text as
        # one line ("Home Budget passed The council…"); the rendering keeps
        # its blocks apart
        rendered = render_lines(root)
    if lines is not None and _enough(lines, page_chars) and not (rendered and len(rendered) > 1):
        lines, tail = split_trailing_link_list(root, lines)
        if tail:
            cuts += (selectors.Cut(LINK_LIST_RULE, LINK_LIST_REASON, " ".join(tail)),)
        lines = add_sibling_modules(root, lines)
        return Extraction(_to_blocks(recover_header(root, lines)), title, "trafilatura", cuts)
    return Extraction(_to_blocks(rendered if rendered is not None else render_lines(root)), title, "render", cuts)


def parse(text: str):
    """lxml tree of a page, recovering from broken markup; None when there is nothing."""
    text = text.replace("\x00", "")
    # libxml2 refuses str input that carries an XML encoding declaration
    text = _XML_DECL.sub("", text, count=1)
    # browsers with scripting on read <noscript> as raw text; libxml2 parses it,
    # and an unclosed tag inside would swallow the rest of the page
    text = _NOSCRIPT.sub(" ", text)
    if not text.strip():
        return None
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, recover=True)
    parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return root


def markup_title(root) -> str | None:
    """og:title, twitter:title, the first <h1>, <title>: the first one with words."""
    for expr in (
        "//meta[@property='og:title']/@content",
        "//meta[@name='twitter:title']/@content",
        "(//h1)[1]",
        "//title",
    ):
        try:
            found = root.xpath(expr)
        except (etree.XPathError, ValueError):
            continue
        for item in found[:1]:
            value = item if isinstance(item, str) else _element_text(item)
            value = _WS.sub(" ", value).strip()
            if value:
                return value
    return None


def _element_text(el) -> str:
    try:
        return "".join(el.itertext())
    except ValueError:
        return ""


def _trafilatura_lines(root, url, fast: bool = False) -> list[str] | None:
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        doc = trafilatura.bare_extraction(
            root,
            url=url,
            include_comments=False,
            include_tables=True,
            with_metadata=False,
            fast=fast,
        )
    except (RecursionError, ValueError, TypeError, etree.LxmlError) as exc:
        _LOG.debug("trafilatura failed: %s", exc)
        return None
    body = getattr(doc, "body", None) if doc is not None else None
    if body is None:
        return None
    inline_code_to_text(body)
    return walk_lines(body, _EXTRACT_BLOCKS, frozenset(), breaks=_EXTRACT_BREAKS)


def inline_code_to_text(body) -> None:
    """`<code>` inside a paragraph is a word of it, not a block of its own.

    The extraction marks both a code listing and an inline `pip-tools` as
    <code>; read as blocks, the inline ones cut their sentence into
    fragments ("Managing your", "requirements.txt", "with") that look like
    a menu. A <code> is inline when its parent holds running text, or when
    text stands right before or after it (as in a <quote>).
    """
    for el in body.iter("code"):
        parent = el.getparent()
        if parent is None:
            continue
        prev = el.getprevious()
        before = (prev.tail if prev is not None else parent.text) or ""
        if parent.tag in _TEXT_PARENTS or before.strip() or (el.tail or "").strip():
            el.tag = "hi"


def _needs_full_cascade(lines: list[str], page_chars: int) -> bool:
    """Whether the main extractor's result is doubtful enough for the full cascade."""
    chars = sum(len(l) for l in lines)
    if chars < FULL_CASCADE_SHARE * page_chars:
        return True
    return any(len(l) >= DUMP_LINE_SHARE * page_chars for l in lines) and page_chars >= MIN_EXTRACTED_CHARS


def _enough(lines: list[str], page_chars: int) -> bool:
    chars = sum(len(l) for l in lines)
    if chars >= MIN_EXTRACTED_CHARS:
        return True
    return page_chars < FALLBACK_RATIO * max(chars, 1)


# The standfirst under the headline (teaser, intro, excerpt, subheadline) often
# sits in the article's <header>, outside the container trafilatura settles
# on, and goes missing with it. When the extraction lacks the page's headline,
# the lines between the headline and the extracted text that come from an
# element named like a standfirst are put back in front; the pipeline judges
# them like any other block. The headline itself is not added (it is the
# title, reported apart), nor bylines, dates and captions of the same header.
# A gap longer than this is not a header (a gallery, a whole menu).
MAX_HEADER_CHARS = 1200
MIN_STANDFIRST_WORDS = 5  # words with letters; fewer: a byline, a date, a label
_KEY_CHARS = 50
_TITLE_EXPRS = tuple(
    etree.XPath(e, smart_strings=False)
    for e in ("//meta[@property='og:title']/@content", "//meta[@name='twitter:title']/@content", "//title//text()")
)
_H1 = etree.XPath("(//h1)[position() <= 3]")
# class or id words that name a standfirst across CMSs and themes, matched
# against the words of a name ("article-teaser", "entryExcerpt", "ts-intro";
# not "nointro")
STANDFIRST_WORDS = frozenset(
    "teaser lead lede intro excerpt standfirst summary abstract dek subtitle subhead subheadline subheading".split()
)
_NAME_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
# captions and credits are not standfirsts, even inside a teaser block
_HEADER_DROP_TAGS = _DROP_TAGS | {"figcaption"}


def recover_header(root, lines: list[str]) -> list[str]:
    """The extracted lines, with the standfirst put back when the extraction missed it.

    The lines after the headline are read up to the first one the extraction
    has; the standfirst lines met on the way go in front of that line.
    """
    found = headline_element(root)
    if found is None:
        return lines
    keys = _first_by_key(lines)
    gap: list[str] = []
    chars = 0
    for line, standfirst in iter_following_lines(found[0], marks=is_standfirst, drop_tags=_HEADER_DROP_TAGS):
        at = keys.get(_key(line))
        if at is None and len(line) >= 20:
            at = next((i for i, l in enumerate(lines[:3]) if l.startswith(line)), None)
        if at is not None:
            return lines[:at] + gap + lines[at:] if gap else lines
        if standfirst and sum(any(c.isalpha() for c in w) for w in line.split()) >= MIN_STANDFIRST_WORDS:
            gap.append(line)
        chars += len(line)
        if chars > MAX_HEADER_CHARS:
            break
    return lines


def is_standfirst(el) -> bool:
    """An element named like a standfirst, or a subheadline in an <hgroup>."""
    name = (el.get("class") or "") + " " + (el.get("id") or "")
    if name != " " and any(w.lower() in STANDFIRST_WORDS for w in _NAME_WORDS.findall(name)):
        return True
    parent = el.getparent()
    return parent is not None and parent.tag == "hgroup"


def headline_element(root):
    """(the <h1> that carries the page's title, its text), or None.

    An <h1> counts when its text matches og:title / twitter:title / <title>
    (see _same_title): a logo or a section name in an <h1> does not.
    """
    titles = []
    for expr in _TITLE_EXPRS:
        try:
            found = expr(root)
        except (etree.XPathError, ValueError):
            continue
        value = _WS.sub(" ", "".join(found[:1]) if expr is not _TITLE_EXPRS[2] else "".join(found)).strip().casefold()
        if value:
            titles.append(value)
    if not titles:
        return None
    for h1 in _H1(root):
        text = _WS.sub(" ", _element_text(h1)).strip()
        folded = text.casefold()
        if len(text) >= 10 and any(_same_title(folded, t) for t in titles):
            return h1, text
    return None


def _same_title(h1: str, title: str) -> bool:
    """The <h1> holds the title, or the title starts with it ("Headline | Site"),
    or it is most of the title; a site name inside a long title is none of these."""
    return title in h1 or title.startswith(h1) or (h1 in title and len(h1) >= 0.6 * len(title))


def iter_following_lines(el, marks=None, drop_tags=_DROP_TAGS):
    """The page's lines after `el` (not inside it), in document order, as a dump shows them.

    With `marks`, yields (line, marked) like iter_lines(), a line being
    marked also when an ancestor of `el` that holds it passes the test.
    """
    ancestors = list(el.iterancestors())
    # inherited[i]: whether ancestors[i] or one above it passes the test
    inherited = [False] * (len(ancestors) + 1)
    if marks is not None:
        for i in range(len(ancestors) - 1, -1, -1):
            inherited[i] = inherited[i + 1] or marks(ancestors[i])
    node = el
    for level in range(len(ancestors) + 1):
        for sibling in node.itersiblings():
            found = iter_lines(sibling, _BLOCK_TAGS, drop_tags, breaks=frozenset({"br", "hr"}), marks=marks)
            if marks is None:
                yield from found
            else:
                yield from ((line, flag or inherited[level]) for line, flag in found)
        if level < len(ancestors):
            node = ancestors[level]


def _key(line: str) -> str:
    return line[:_KEY_CHARS].casefold()


def _first_by_key(lines: list[str]) -> dict[str, int]:
    """Where each line's key first occurs among `lines`."""
    index: dict[str, int] = {}
    for i, line in enumerate(lines):
        index.setdefault(_key(line), i)
    return index


# The extraction often ends with the site's list of other articles (linked
# headlines, each perhaps with its teaser), which reads like prose line by
# line. In the markup it is plain: the lines are the text of links. A tail of
# the extraction where at least MIN_LINK_LINES lines are link texts, making
# at least LINK_LINE_SHARE of it, with no more than MAX_PLAIN_RUN other lines
# in a row, is cut (never more than MAX_LINK_LIST_SHARE of the text); the
# plain lines after the last link stay.
LINK_LIST_RULE = "html-trailing-link-list"
LINK_LIST_REASON = "list of linked headlines at the end of the extracted text (other articles)"
MIN_LINK_LINES = 3
LINK_LINE_SHARE = 0.4
MAX_PLAIN_RUN = 2
MAX_LINK_LIST_SHARE = 0.5
MIN_LINK_WORDS = 3  # "Read more", "Home": not headlines
MIN_LINK_CHARS = 10
_NORMALIZED = etree.XPath("normalize-space(.)")


def _link_texts(root) -> dict[str, list[str]]:
    """The page's headline-like link texts, indexed by their first characters:
    one pass over the links, then a dict lookup per line (asking the tree for
    the links that start each line costs links x lines)."""
    index: dict[str, list[str]] = {}
    for a in root.iter("a"):
        text = _NORMALIZED(a)
        if len(text) >= MIN_LINK_CHARS and len(text.split()) >= MIN_LINK_WORDS:
            index.setdefault(text[:MIN_LINK_CHARS], []).append(text)
    return index


def split_trailing_link_list(root, lines: list[str]) -> tuple[list[str], list[str]]:
    """(lines without a trailing list of linked headlines, that list)."""
    if len(lines) < MIN_LINK_LINES + 1:
        return lines, []

    links = _link_texts(root)

    def linked(line: str) -> bool:  # a link's text, or a link's text then its teaser
        return any(line.startswith(text) for text in links.get(line[:MIN_LINK_CHARS], ()))

    start, end, linked_count, plain_run = None, None, 0, 0
    for i in range(len(lines) - 1, -1, -1):
        if linked(lines[i]):
            if end is None:
                end = i + 1
            linked_count += 1
            plain_run = 0
            if linked_count >= MIN_LINK_LINES and linked_count >= LINK_LINE_SHARE * (end - i):
                start = i
        else:
            plain_run += 1
            if plain_run > MAX_PLAIN_RUN:
                break
    if start is None:
        return lines, []
    if sum(len(l) for l in lines[start:end]) > MAX_LINK_LIST_SHARE * sum(len(l) for l in lines):
        return lines, []
    # what follows the list (a closing line, a footer) is left to the pipeline
    return lines[:start] + lines[end:], lines[start:end]


# Page builders and some CMSs split an article into modules: the same text
# container (same tag and class) repeated, with pictures or ads in between.
# trafilatura may settle on one module and leave the others. The containers of
# the same tag and class as the one holding the extraction's text, close to it
# in the tree (a common ancestor at most MODULE_LEVELS up), are read too, and
# the prose of those it left out goes in at its place in the page.
MODULE_LEVELS = 4
MAX_MODULES = 40
MIN_MODULE_LINE = 80  # a module adds something only if it holds a line of prose
MIN_MODULE_CHARS = 300
MAX_MODULE_LINK_SHARE = 0.3
_PROBE = etree.XPath("//p[starts-with(normalize-space(.), $start)]")


def add_sibling_modules(root, lines: list[str]) -> list[str]:
    """The extracted lines, with the left-out modules of the same article put in."""
    container = _text_container(root, lines)
    if container is None:
        return lines
    tag, cls = container.tag, container.get("class")
    top = container
    for _ in range(MODULE_LEVELS):
        if top.getparent() is None:
            break
        top = top.getparent()
    modules = [el for el in top.iter(tag) if el.get("class") == cls]
    if len(modules) > MAX_MODULES:
        return lines
    outer = set(modules)
    modules = [m for m in modules if not any(a in outer for a in m.iterancestors())]  # nested: read with its outer one
    if len(modules) < 2:
        return lines
    index = _first_by_key(lines)
    out = list(lines)
    inserted = 0
    cursor = 0  # where the next left-out module goes in `lines`
    for module in modules:
        module_lines = walk_lines(module, _BLOCK_TAGS, _DROP_TAGS, breaks=frozenset({"br", "hr"}))
        found = [index[_key(l)] for l in module_lines if _key(l) in index]
        if found:
            cursor = max(cursor, max(found) + 1)
            continue
        if not _prose_module(module, module_lines):
            continue
        at = cursor + inserted
        out[at:at] = module_lines
        inserted += len(module_lines)
    return out


def _prose_module(module, module_lines: list[str]) -> bool:
    """Enough text, a line of prose, and few links: not a teaser, a nav bar or a note."""
    chars = sum(len(l) for l in module_lines)
    if chars < MIN_MODULE_CHARS or not any(len(l) >= MIN_MODULE_LINE for l in module_lines):
        return False
    linked = sum(len(_NORMALIZED(a)) for a in module.iter("a"))
    return linked < MAX_MODULE_LINK_SHARE * chars


def _text_container(root, lines: list[str]):
    """The nearest classed ancestor of a <p> that holds one of the first long extracted lines."""
    for line in [l for l in lines if len(l) >= MIN_MODULE_LINE][:3]:
        try:
            found = _PROBE(root, start=line[:60])
        except (etree.XPathEvalError, ValueError):
            continue
        if len(found) != 1:
            continue
        for el in found[0].iterancestors():
            if el.tag in ("body", "html"):
                break
            if el.get("class"):
                return el
        return None
    return None


def render_lines(root) -> list[str]:
    """The page as a scraper's dump would show it: one line per block element."""
    return walk_lines(root, _BLOCK_TAGS, _DROP_TAGS, breaks=frozenset({"br", "hr"}), alt=True)


def walk_lines(root, block_tags, drop_tags, breaks=frozenset(), alt=False) -> list[str]:
    """Text lines of a tree: block elements start and end a line, inline text joins.

    Iterative (an explicit stack), so any nesting depth is fine.
    """
    return list(iter_lines(root, block_tags, drop_tags, breaks, alt))


def iter_lines(root, block_tags, drop_tags, breaks=frozenset(), alt=False, marks=None):
    """walk_lines() one line at a time, so a caller can stop early.

    With `marks` (a test on elements), yields (line, whether it lies inside
    an element that passes the test) instead.
    """
    lines: list = []
    buf: list[str] = []
    marked = 0

    def flush():
        if buf:
            line = _WS.sub(" ", "".join(buf)).strip()
            buf.clear()
            if line:
                lines.append(line if marks is None else (line, marked > 0))

    pre = 0
    stack = [(root, False)]
    while stack:
        if lines:
            yield from lines
            lines.clear()
        el, closing = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else None
        if closing:
            if tag in block_tags:
                flush()
            if tag in _PRE_TAGS:
                pre -= 1
            if marks is not None and marks(el):
                flush()
                marked -= 1
            _add(buf, el.tail, pre, flush)
            continue
        if tag is None or tag in drop_tags:
            _add(buf, el.tail, pre, flush)
            continue
        if tag in breaks:
            flush()
            _add(buf, el.tail, pre, flush)
            continue
        if alt and tag == "img":
            value = (el.get("alt") or "").strip()
            if value:
                flush()
                buf.append(value)
                flush()
            _add(buf, el.tail, pre, flush)
            continue
        if tag in block_tags:
            flush()
        if tag in _PRE_TAGS:
            pre += 1
        if marks is not None and marks(el):
            flush()
            marked += 1
        _add(buf, el.text, pre, flush)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    flush()
    yield from lines


def _add(buf, text, pre, flush):
    if not text:
        return
    if pre and "\n" in text:
        for i, part in enumerate(text.split("\n")):
            if i:
                flush()
            buf.append(part)
    else:
        buf.append(text)


def _to_blocks(lines: list[str]) -> list[Block]:
    return [Block(i, line) for i, line in enumerate(lines)]


# Rounds of the closing text-mode check (in practice one suffices).
MAX_FIXED_POINT_ROUNDS = 4


def run_pipeline(blocks: list[Block], rulesets, url: str | None):
    """The dump pipeline on extracted blocks, closed by text-mode passes.

    The output is read back as a dump by `clean(clean(html))`, with no url:
    the kept blocks must be a fixed point of that reading too, so the
    pipeline is run again without the url until neither run removes anything.
    Returns (kept, {index: Verdict}, recognised rule sets) like pipeline.run.
    """
    from . import pipeline

    kept, removed, recognised = pipeline.run(blocks, rulesets, url)
    if not url:
        return kept, removed, recognised
    for _ in range(MAX_FIXED_POINT_ROUNDS):
        before = len(kept)
        kept, more, _ = pipeline.run(kept, rulesets, None)
        removed.update(more)
        kept, more, _ = pipeline.run(kept, rulesets, url)
        removed.update(more)
        if len(kept) == before:
            break
    return kept, removed, recognised

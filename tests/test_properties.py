"""Properties of clean()/clean_document() that hold for every input.

Over arbitrary text, dump-like text (words, punctuation, boilerplate phrases,
blank lines, indentation) and HTML-ish strings: never raises, deterministic,
idempotent, output blocks are input blocks in input order, and putting the
removals back rebuilds the input's block sequence. Non-text input is a
TypeError that names the type.
"""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import clean, clean_document
from cleaner.document import detect_kind, split_blocks
from cleaner.document import to_text as _to_text

try:  # gzip bytes are cleaned as what they hold
    from cleaner.compressed import gunzip_if_compressed
except ImportError:  # pragma: no cover - before compressed input existed
    def gunzip_if_compressed(data):
        return data


def to_text(x) -> str:
    """The text clean() reads from x."""
    if isinstance(x, (bytes, bytearray, memoryview)):
        x = gunzip_if_compressed(bytes(x))
    return _to_text(x)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HTML_SUPPORTED = importlib.util.find_spec("cleaner.html") is not None
needs_html = pytest.mark.skipif(not HTML_SUPPORTED, reason="HTML input (cleaner/html.py) is not available yet")

# ------------------------------------------------------------------ strategies

WORDS = (
    "the a of and to in is was said minister government le la les de des et à une "
    "der die das und ist nicht el los que por il di che het een van police city "
    "year people week report according two million new first Paris Berlin Madrid "
    "réforme décision Straße Größe élection"
).split()
PUNCT = [".", ",", ";", ":", "!", "?", "…", "...", " –", " |", " »", "«", "“", "”", "’", "(", ")", "©", "€"]
BOILERPLATE = [
    "Leave a Reply", "LAISSER UN COMMENTAIRE", "spot_img", "Publicité", "Advertisement", "Anzeige",
    "Publicidad", "Captcha verification failed!", "Articles connexes", "Les plus lus", "To Top",
    "Share", "Tweet", "Facebook", "Votre adresse e-mail ne sera pas publiée.", "Related posts",
    "Cancel reply", "© 2024 All rights reserved", "Read more", "Newsletter", "Accept cookies",
    "Home » News » World", "Source : BFMTV", "(AFP)", "0 comments", "Politique",
]

word = st.sampled_from(WORDS)


@st.composite
def sentence(draw):
    words = draw(st.lists(word, min_size=1, max_size=40))
    if draw(st.booleans()):
        words[0] = words[0].capitalize()
    out = []
    for w in words:
        out.append(w)
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(PUNCT)))
    end = draw(st.sampled_from(["", ".", ".", "!", "?", "…", ":", " ..."]))
    return " ".join(out) + end


@st.composite
def dump_line(draw):
    kind = draw(st.integers(0, 9))
    if kind <= 4:
        line = draw(sentence())
    elif kind <= 7:
        line = draw(st.sampled_from(BOILERPLATE))
    elif kind == 8:
        line = ""
    else:
        line = draw(st.text(max_size=30))
    indent = draw(st.sampled_from(["", "", "", "  ", "    ", "\t", "        "]))
    trail = draw(st.sampled_from(["", "", " ", "\t"]))
    return indent + line + trail


@st.composite
def dump(draw):
    lines = draw(st.lists(dump_line(), max_size=40))
    # paragraphs of a sentence repeated and blocks repeated, as dumps do
    if lines and draw(st.booleans()):
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(draw(st.integers(0, len(lines))), lines[i])
    sep = draw(st.sampled_from(["\n", "\n", "\n\n", "\r\n"]))
    return sep.join(lines)


TAGS = ["p", "div", "span", "a", "h1", "h2", "li", "ul", "article", "nav", "footer", "script", "style",
        "br", "img", "table", "td", "tr", "header", "section", "form", "textarea", "title", "meta"]


@st.composite
def html_ish(draw):
    parts = [draw(st.sampled_from(["", "<!DOCTYPE html>", "<html>", "<?xml version='1.0'?><html>"]))]
    for _ in range(draw(st.integers(0, 30))):
        choice = draw(st.integers(0, 7))
        tag = draw(st.sampled_from(TAGS))
        if choice <= 1:
            attrs = draw(st.sampled_from(["", ' class="x"', " id=a", ' href="/x?a=1&b=2"', ' data-x="<>"', " =", ' "']))
            parts.append(f"<{tag}{attrs}>")
        elif choice == 2:
            parts.append(f"</{tag}>")
        elif choice <= 4:
            parts.append(draw(sentence()))
        elif choice == 5:
            parts.append(draw(st.sampled_from(BOILERPLATE)))
        elif choice == 6:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<", ">", "&amp;", "&#0;", "&#x110000;", "&bogus;", "<![CDATA[", "]]>", "</", "<p", "\x00"])))
        else:
            parts.append(draw(st.text(max_size=10)))
    return "".join(parts)


# ------------------------------------------------------------------ helpers


def output_blocks(text: str) -> list[str]:
    return text.split("\n\n") if text else []


def assert_blocks_are_input_blocks_in_order(source: str, cleaned: str) -> None:
    """Every output block is a stripped input line, at increasing input positions."""
    lines = [line.strip() for line in to_text(source).splitlines()]
    pos = 0
    for block in output_blocks(cleaned):
        assert block, "empty output block"
        try:
            pos = lines.index(block, pos) + 1
        except ValueError:
            raise AssertionError(f"output block not found (in order) among input lines: {block!r}") from None


def dedent_lines(x) -> str:
    return "\n".join(line.lstrip() for line in to_text(x).splitlines())


def assert_text_properties(x) -> None:
    doc = clean_document(x, kind="text")
    again = clean_document(x, kind="text")
    assert doc == again, "not deterministic"
    assert doc.text == clean(x, kind="text")
    # idempotence is checked on the input without indentation here: with it,
    # see test_idempotent_on_indented_dumps (a known failure)
    flat = clean(dedent_lines(x), kind="text")
    assert clean(flat, kind="text") == flat, "not idempotent"
    assert_blocks_are_input_blocks_in_order(x, doc.text)
    assert doc.rebuild() == [b.text for b in split_blocks(to_text(x))]
    # every block is accounted for exactly once
    indexes = sorted([b.index for b in doc.kept] + [r.index for r in doc.removed])
    assert indexes == list(range(len(split_blocks(to_text(x)))))
    assert all(r.rule and r.reason for r in doc.removed)


# ------------------------------------------------------------------ text


@PROPERTY_SETTINGS
@given(st.text(max_size=2000))
def test_arbitrary_text(x):
    assert_text_properties(x)


@PROPERTY_SETTINGS
@given(st.lists(st.one_of(dump_line(), st.text(st.characters(exclude_categories=()), max_size=20))).map("\n".join))
def test_text_with_lone_surrogates(x):
    # str read with errors="surrogateescape" carries lone surrogates; RE2 reads UTF-8
    assert_text_properties(x)


def test_lone_surrogate_in_a_block_a_regex_rule_sees():
    x = "The minister said \ud83d that the budget would pass next week, officials said.\n0 comments \udc80"
    assert_text_properties(x)


@PROPERTY_SETTINGS
@given(dump())
def test_dump_like_text(x):
    assert_text_properties(x)


@PROPERTY_SETTINGS
@given(dump())
def test_detected_kind_never_raises(x):
    # the default path (kind detected) on text that is not markup
    if detect_kind(x) == "html" and not HTML_SUPPORTED:
        return
    assert isinstance(clean(x), str)


@PROPERTY_SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(x):
    assert_text_properties(x)


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(dump(), st.sampled_from(["utf-8", "utf-16", "utf-32", "utf-8-sig"]))
def test_bytes_and_text_agree(x, encoding):
    try:
        data = x.encode(encoding)
    except UnicodeEncodeError:  # lone surrogates
        return
    assert clean(data, kind="text") == clean(x, kind="text")


@pytest.mark.parametrize(
    "x",
    ["", " ", "\n\n\n", " \t\r\n\x0b\x0c\u2028\u2029\x85\u3000\xa0", "\x00" * 10_000, "\ufeff", "a", "."],
    ids=["empty", "space", "newlines", "all-whitespace", "nul", "bom", "letter", "dot"],
)
def test_degenerate_strings(x):
    assert_text_properties(x)
    assert_text_properties(x.encode("utf-8"))


@pytest.mark.parametrize("x", [None, 1, 1.5, ["text"], {"a": 1}, object()])
def test_non_text_is_a_clear_type_error(x):
    for fn in (clean, clean_document):
        with pytest.raises(TypeError, match=rf"str or bytes.*{type(x).__name__}"):
            fn(x)


def test_input_is_not_modified():
    data = bytearray("Le gouvernement a annoncé une réforme, a déclaré le ministre.\nLeave a Reply\n".encode())
    copy = bytes(data)
    clean(data)
    assert bytes(data) == copy


# ------------------------------------------------------------------ HTML


@needs_html
@settings(PROPERTY_SETTINGS, max_examples=100)
@given(html_ish())
def test_html_ish(x):
    # trafilatura makes each call slow: one test checks all the HTML properties
    doc = clean_document(x, kind="html")
    assert doc == clean_document(x, kind="html"), "not deterministic"
    # the account covers every block the markup gave, once
    indexes = sorted([b.index for b in doc.kept] + [r.index for r in doc.removed])
    assert indexes == list(range(len(indexes)))
    # the output read back as a dump is already clean
    assert clean(doc.text, kind="text") == doc.text


@needs_html
@settings(PROPERTY_SETTINGS, max_examples=50)
@given(html_ish())
def test_html_ish_detected_kind(x):
    # the default path: kind detected from the text or decoded bytes
    assert isinstance(clean(x), str)
    assert isinstance(clean(x.encode("utf-8", "surrogatepass")), str)


def indented_dumps(n: int) -> list[str]:
    """Short indented dumps of prose-like lines (bench/fuzz.py finds ~3% of its inputs fail)."""
    import random

    r = random.Random(167)
    dumps = []
    for _ in range(n):
        lines = []
        for _ in range(r.randint(3, 8)):
            words = " ".join(r.choice(WORDS) for _ in range(r.randint(5, 30)))
            lines.append(r.choice(["", "  ", "    "]) + words + r.choice([".", "!", " ...", ":", ""]))
        dumps.append("\n".join(lines))
    return dumps


# The line model reads `indent > 0` as a feature (linemodel.py), but the output
# joins blocks with blank lines and no indentation, so the kept blocks read
# back are judged on other features and some go: clean(clean(x)) != clean(x).
@pytest.mark.xfail(strict=True, reason="line model uses block indentation, which the output drops: clean(clean(x)) != clean(x)")
def test_idempotent_on_indented_dumps():
    failing = []
    for x in indented_dumps(150):
        out = clean(x, kind="text")
        if clean(out, kind="text") != out:
            failing.append(x)
    assert not failing, f"{len(failing)} of 150 not idempotent, e.g. {failing[0]!r}"


def test_dedented_dumps_are_idempotent():
    # the same dumps without indentation: the failure above is the indentation alone
    for x in indented_dumps(150):
        out = clean(dedent_lines(x), kind="text")
        assert clean(out, kind="text") == out

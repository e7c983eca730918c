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
# joins blocks with blank lines and no indentation: the fixpoint's later passes
# judge dedented blocks, so the output reads back the same.
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


# Found by bench/fuzz.py (seed 0, inputs 11037, 11040, 11869), indentation removed:
# cleaning them needs 8-9 passes of judge(); pipeline.run must reach the fixed point.
MANY_PASSES = [
    '\n\nLes plus lus\ntwo das di said of @user réforme Größe #tag to minister https://example.com 2026 was een minister a police 2026 und Paris 2026 year réforme che and een million ist une che minister city Paris the il Paris year\nel in die @user die in à government le ...\nspot_img \nhttps://example.com Paris het to des la ist two» à was Paris @user het of das 2026 che la élection city di report de 2026 een is die is% year de: \nhttps://example.com el il élection\n(AFP)\nVotre adresse e-mail ne sera pas publiée.\nof the di people two il der 10:30 de il)\nVotre adresse e-mail ne sera pas publiée. \nhttps://example.com le die police said 10:30 Größe des een year a #tag a il and der 10:30 die une report https://example.com el @user in élection said: \n10:30 los 10:30 Paris een der élection il a die report people a year das een des Straße @user!\nist Straße het réforme el?\n\nȐ\U000647fd8\U00086e6ażx\x07ƫ\nwas https://example.com Straße was is is said police la! \npolice een élection ist to et and los 2026 €5 une @user is der.\nGröße und minister et \nist der que des die el een che people #tag à 10:30 el people city said que el. \n\ncity que government 2026 che year il police two à Paris Größe 2026 und Paris ist Straße Paris https://example.com die que que a Straße €5 Größe.\n\n@user \nsaid ist des de le city the?\nto di… \nmillion les €5 de le la is die to the million et die ist de ist and des réforme https://example.com het? \nof der million une government 2026 and of il two Größe ist and €5 two le il is police said @user is report des une police die report? \nune €5 élection in the- government government was des le million der #tag les two( di! il million and https://example.com was la a €5— Paris. de des à die said» el https://example.com million het in is che los à\nà 2026 di il et in and el @user 2026 une di und ist het and les und che élection year people réforme les police!\nHome » News » World \nƎA\nǬ䄱\U000c1401šBdƒIƖX2<ǃ\x7fl_D \nmillion the de ist was che réforme minister het \nPolitique\nà of das government of police was che Straße 10:30 Paris and minister à élection el que Straße the los is report een réforme https://example.com!\nwas le two people Paris was ist is year million de la la city #tag 10:30 million people los is is report report year el il la is @user minister 10:30 million réforme des che een ...\nPublicité \nin in die million a.\n\nlos million el de Größe two la @user der el di city la und les de il le het di die said( het was•?',
    '€–report:™\nRead more\nPublicidad \n\ntheeen\nNewsletter \nder das réforme city das and et di said les et une year police to che les Paris une el réforme das los das 10:30 que Paris los 10:30 que minister a de il.\nPublicité\n\nlos de million à a élection ist ...\n€5 was# people of el die des and 10:30 year a…\nAnzeige\n[\t\U00065f05407Ȓh)\n$D\U000e4e9fŐŠB@\n\ndie and is et die der une?\nist réforme of @user een 10:30 une Größe million €5 the que in €5 city che élection in people 10:30 das @user two les die city a the die la des city: \n;Straße. \n0 comments\nRead more\nLes plus lus\ngovernment het city und city Paris ist élection Paris to le @user 2026 que die Straße https://example.com the das 10:30 le #tag und!\ntwo police 10:30 des los que said los à and la che Größe was million et der two and:\nhttps://example.com de €5 que que the een der che des the year minister 10:30 di €5 to minister police of und el Straße to Paris il réforme het une minister Straße die police https://example.com.\nPolitique \nCaptcha verification failed! \npolice of government report minister million la che der minister Paris die government police que che des le report die che said Größe city 10:30 and de.\nTo Top \nLAISSER UN COMMENTAIRE\nmillion government year ist la report 10:30 and élection government police is two.\n\nand year… \n© 2024 All rights reserved \nœŁ\U000a09d2\x07\u200bv\U000f5d92g6\u202e \nand 2026— la Straße di| said el 2026 Größe das Straße il! \n\ndi les les les https://example.com& à ist the ist million élection was die di der €5 of is two ist in der€ de #tag.\nreport à two réforme @user is der said que 10:30 réforme une di een and la Straße 10:30 minister élection report city report Paris een city 2026 people @user ist… \n92-"\ufeff2\U000dbb93!ꀆŗĪrŤUɇū7Ĩſ\nNewsletter\nist million des di https://example.com che der à di une ist die die 2026 der of police die million élection of\\ of di government million report les élection two une los https://example.com million’ 2026 à and Straße @user #tag and. \nTo Top\ndas und was in €5 million two Größe Straße and €5 el police 10:30 said €5 der los el city la di a la and city een élection year a réforme the het une que people a to de police!\nPublicité \ni6S\nĈn\U0007fab4L\U000e510bķǣ\nu!+9>u\U000de16b\U000d3e8aǵƇ0ƑjZ&Ƹh\U000eca4e< \n2026 a @user che das ist government said minister Straße le le year que el police el:\n\n\x1bde\x7f\n\n\n2026il»der\n\nin a ist to los een die of het la el el” is das© people die https://example.com the das Größe à élection die people 2026|:\nRelated posts \nist minister people said di city des des https://example.com €5 la Größe the.\n\nreportlesdie\\$und\neen il million Größe https://example.com élection is people het une the in €5 la was une in die of Straße el said à city der.\nminister €5 million minister de à das los die Straße €5 city #tag a het!\n“\nRead more',
    'Leave a Reply \nPublicité\nPublicité\nNewsletter\n€5 was die #tag report in the la een in che €5 https://example.com réforme @user élection di €5 Größe the les 10:30 to… \n@user a la is #tag year €5 et year une à élection city said Straße two year les los Paris der million el of the said Größe €5 des el report Paris in di year und et report le…\nel @user #tag que une und et police Größe…\n®das-;�€5 \nmillion a #tag ist el élection in der minister in said police of people les minister les Paris 10:30 2026 in les #tag year les une di de of élection ... \nPublicidad\nSource : BFMTV \nund was city che #tag la le was réforme Größe report le que; à ist is réforme and il à #tag/ das in police the de la 10:30 people minister die Größe une des? \nyear le: des a #tag les een is il\nspot_img \nNewsletter\n€5\nyear\n\nspot_img \n© 2024 All rights reserved\n\nil une and di das and Größe une le said réforme que réforme @user el der @user une to 2026 million und les que. \nsaid @user a“ in il and @user de in das los #tag™ di une year @user year der des élection% réforme di Paris city @user a che der and il el to the# city il a #tag.\nof a und of die die government the was of de ist a le que of. \nwas ...\n(AFP)\nLeave a Reply\ntwo und die government een 10:30 la das Paris 10:30 report report.\nhet was Straße of di le que réforme million police city der to und de et et der of het said the Paris Größe?\nel police le is de.\n@user and.\ndie le de het la and/ government the?\n0 comments\ndie los und het €5 10:30 la het two #tag Straße @user het a la https://example.com @user che was und people Paris report het 2026 das year 10:30 les le et die des los. \nspot_img\ndes https://example.com het #tag? \n\udfffchepolice:reportet…\nRead more\nAnzeige \nHome » News » World \nCancel reply \nune que der the une city is #tag des the Straße minister Straße two het des 2026 ist the het city minister: \nthe in der a to und que two was le city #tag che il said \nNewsletter\n0&\U0006fd3a\U0005d852c\nVotre adresse e-mail ne sera pas publiée.\n\nde los les in et government people et city élection das #tag het een een el Größe minister de Straße city\nil des une report and und police a Straße and of 2026 two people said said et Straße city 10:30 to und el is il à @user der report die city Paris à il il?\neen di report een €5 des het 10:30 los. \nhet in la que!\n\udfff\n\nmillion was de and 10:30 the die €5 #tag… het https://example.com het das #tag une que des 2026 minister la une and of die que people police di of Größe ist de the a year/ che to réforme de! \nSource : BFMTV\nspot_img ',
]


def test_idempotent_when_cleaning_needs_many_passes():
    # one test over all three: rule and model changes move which of them need > 6 passes
    failing = [i for i, x in enumerate(MANY_PASSES) if clean(clean(x, kind="text"), kind="text") != clean(x, kind="text")]
    assert not failing, f"not idempotent: MANY_PASSES{failing}"

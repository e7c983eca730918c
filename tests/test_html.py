"""HTML input: decoding, extraction, element rules, fallback, title, idempotence, robustness."""

from __future__ import annotations

import gzip

import pytest
from lxml import html as lxml_html

from cleaner import clean, clean_document
from cleaner import html as H
from cleaner import selectors as S
from cleaner.compressed import gunzip_if_compressed

PARAS = [
    "The city council voted on Tuesday to extend the tram line to the northern districts, ending a debate that had lasted for more than ten years.",
    "Supporters of the project said the extension would cut commuting times by half for thousands of residents who now depend on crowded buses.",
    "Opponents argued that the cost, estimated at four hundred million euros, would weigh on the city's budget for a generation and delay other work.",
    "Construction is expected to start next spring, and the first trams should run on the new section before the end of the decade, officials said.",
]
HEADLINE = "Council approves the northern tram extension"


def article_page(extra_body: str = "", head: str = "", body_class: str = "") -> str:
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Tram news | Example Daily</title>{head}</head>
<body class="{body_class}"><header><nav><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article><h1>{HEADLINE}</h1>{paras}{extra_body}</article></main>
<footer><p>© 2024 Example Daily. All rights reserved.</p><a href="/privacy">Privacy</a></footer></body></html>"""


def assert_article(text: str) -> None:
    for p in PARAS:
        assert p in text


def test_html_str_is_detected_and_cleaned():
    doc = clean_document(article_page())
    assert doc.kind == "html"
    assert_article(doc.text)
    assert "All rights reserved" not in doc.text
    assert "Politics" not in doc.text.split()


def test_html_bytes_and_gzip_bytes():
    page = article_page()
    assert clean(page.encode("utf-8")) == clean(page)
    # the bytes of a .html.gz file are decompressed, not read as text
    assert clean(gzip.compress(page.encode("utf-8"))) == clean(page)


def test_corrupt_gzip_gives_empty_result_not_garbage():
    assert gunzip_if_compressed(b"\x1f\x8b\x08\x00garbage") == b""
    assert clean(b"\x1f\x8b\x08\x00garbage") == ""
    # a truncated stream gives what could be decompressed
    data = gzip.compress(article_page().encode("utf-8"))
    assert gunzip_if_compressed(data[: len(data) // 2]).startswith(b"<!DOCTYPE html>")


def test_latin1_bytes_with_meta_charset():
    accented = "Le conseil a voté mardi l'extension du tramway vers le nord, après un débat qui a duré plus de dix ans et divisé la majorité."
    page = article_page(extra_body=f"<p>{accented}</p>").replace('charset="utf-8"', 'charset="iso-8859-1"')
    text = clean(page.encode("latin-1"), kind="html")
    assert accented in text


def test_utf8_bom_and_utf16():
    page = article_page(extra_body="<p>Une dernière phrase, avec des accents éàü, termine l'article comme il se doit ici.</p>")
    doc = clean_document(page)
    # decoded right, whether the pipeline keeps that closing line or not
    assert "éàü" in doc.text + " ".join(r.text for r in doc.removed)
    expected = doc.text
    assert clean(b"\xef\xbb\xbf" + page.encode("utf-8")) == expected
    assert clean(page.encode("utf-16")) == expected  # BOM + UTF-16


def test_broken_markup_unclosed_tags():
    page = "<html><body><div><h1>" + HEADLINE + "<p>" + "<p>".join(PARAS) + "<div><span><b>"
    text = clean(page, kind="html")
    assert_article(text)


def test_empty_and_blank_pages():
    for page in ("", "<html></html>", "<html><body>   </body></html>", b""):
        doc = clean_document(page, kind="html")
        assert doc.text == ""
        assert doc.kept == ()


def test_page_without_article_is_near_empty():
    page = """<html><head><title>Example</title></head><body><nav><ul>
    <li><a href="/">Home</a></li><li><a href="/a">About</a></li><li><a href="/c">Contact</a></li></ul></nav>
    <footer><p>© 2024 Example</p><a href="/privacy">Privacy policy</a></footer></body></html>"""
    text = clean(page, kind="html")
    assert len(text) < 40


TAGDIV_FURNITURE = """
<div class="td-post-sharing-bottom"><div class="td-post-sharing td-ps-bg">
  <a class="td-social-sharing-button">Facebook</a><a class="td-social-sharing-button">Twitter</a></div></div>
<div class="td_block_wrap td_block_related_posts"><h4 class="td-related-title"><a>Related articles</a></h4>
  <div class="td-related-row"><h3><a href="/other">Mayor opens the new bridge over the river after two years of delays and protests</a></h3></div></div>
<div class="td-a-rec td-a-rec-id-content_bottom"><span class="td-adspot-title">- Advertisement -</span></div>
<div class="comments" id="comments"><div id="respond" class="comment-respond">
  <h3 class="comment-reply-title">Leave a Reply</h3>
  <form id="commentform" class="comment-form"><p>Please enter your comment! Your thoughts about the extension of the tram are welcome below, keep it civil.</p>
  <p>Your email address will not be published and you will be notified of follow-up comments.</p></form></div></div>
"""


def test_tagdiv_furniture_is_cut_before_extraction():
    page = article_page(extra_body=TAGDIV_FURNITURE, body_class="td-container")
    root = H.parse(page)
    cuts = S.apply(S.load_builtin(), root)
    rules = {c.rule for c in cuts}
    assert {"tagdiv-html-sharing", "tagdiv-html-related", "tagdiv-html-ad", "tagdiv-html-comments"} <= rules
    text = clean(page)
    assert_article(text)
    for gone in ("Mayor opens the new bridge", "Leave a Reply", "Please enter your comment", "Advertisement", "Twitter"):
        assert gone not in text


def test_selector_keeps_an_element_that_holds_the_article():
    # a wrapper that happens to carry a rule's class keeps the article
    page = article_page().replace("<article>", '<article class="comments-area">')
    assert_article(clean(page))


def test_fallback_renders_the_page_when_extraction_misses(monkeypatch):
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: None)
    ex = H.extract(article_page())
    assert ex.method == "render"
    assert "Home" in ex.blocks[0].text  # the whole page, as a dump shows it
    text = clean(article_page())
    assert_article(text)
    assert "All rights reserved" not in text


def _record_trafilatura_calls(monkeypatch) -> list[bool]:
    calls: list[bool] = []
    real = H._trafilatura_lines

    def recording(root, url, fast=False):
        calls.append(fast)
        return real(root, url, fast=fast)

    monkeypatch.setattr(H, "_trafilatura_lines", recording)
    return calls


def test_full_cascade_only_when_the_main_extractor_finds_little(monkeypatch):
    calls = _record_trafilatura_calls(monkeypatch)
    ex = H.extract(article_page())
    assert ex.method == "trafilatura"
    assert calls == [True]  # the article is most of the page: the main extractor's answer stands
    assert_article("\n".join(b.text for b in ex.blocks))
    calls.clear()
    # the same article drowned in a long link list: its share of the page is small
    menu = "".join(f'<li><a href="/s{i}">Section number {i} of the site with its own long label</a></li>' for i in range(200))
    H.extract(article_page().replace("<main>", f"<aside><ul>{menu}</ul></aside><main>"))
    assert calls == [True, False]


def test_needs_full_cascade_on_little_or_a_whole_page_block():
    assert H._needs_full_cascade(["x" * 100], page_chars=5000)
    assert not H._needs_full_cascade(["x" * 2000, "y" * 1000], page_chars=5000)
    # one block holding the whole page is a dump of it, not an extraction
    assert H._needs_full_cascade(["x" * 4900], page_chars=5000)


def test_page_chars_counts_body_text_without_scripts():
    page = article_page(extra_body="<script>var tracking = 'a long script body that is not text';</script><style>p{color:red}</style>")
    root = H.parse(page)
    expected = len(S._page_text(root))
    assert "tracking" not in S._page_text(root)
    assert abs(S.page_chars(root) - expected) <= 3


def test_keyed_rules_match_like_their_xpath():
    # the class/id index finds the same elements as the rules' XPath translation
    page = article_page(extra_body=TAGDIV_FURNITURE, body_class="td-container")
    sets = S.load_builtin()
    by_index = {c.rule: c.text for c in S.apply(sets, H.parse(page))}
    root = H.parse(page)
    by_xpath = {}
    for s in sets:
        for rule in s.rules:
            for el in rule.xpath(root):
                by_xpath.setdefault(el, rule.id)
    tops = {el: rid for el, rid in by_xpath.items() if not any(a in by_xpath for a in el.iterancestors())}
    assert set(by_index) == set(tops.values())


STANDFIRST = "The line will serve forty thousand people a day, and the first trams should run before the end of the decade."


def header_page(intro_class: str = "article-teaser") -> str:
    return article_page().replace(
        f"<article><h1>{HEADLINE}</h1>",
        f'<article><header><h1>{HEADLINE}</h1><p class="{intro_class}">{STANDFIRST}</p>'
        '<p class="article-intro">By Jane Doe</p><p class="byline">March 3, 2024 at 10:15</p></header>',
    ).replace("<title>Tram news | Example Daily</title>", f"<title>{HEADLINE} | Example Daily</title>")


def test_standfirst_missed_by_the_extraction_is_put_back(monkeypatch):
    # the extractor took the body and left the header (headline, standfirst, byline) out
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: list(PARAS))
    blocks = [b.text for b in H.extract(header_page()).blocks]
    assert blocks == [STANDFIRST] + PARAS  # not the headline, byline or date
    # an element not named like a standfirst stays out
    assert [b.text for b in H.extract(header_page(intro_class="note")).blocks] == PARAS


def test_standfirst_goes_under_the_headline_the_extraction_kept(monkeypatch):
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: [HEADLINE] + PARAS)
    assert [b.text for b in H.extract(header_page()).blocks] == [HEADLINE, STANDFIRST] + PARAS


def test_standfirst_not_added_twice(monkeypatch):
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: [STANDFIRST] + PARAS)
    assert [b.text for b in H.extract(header_page()).blocks] == [STANDFIRST] + PARAS


def test_standfirst_inside_a_teaser_that_holds_the_headline(monkeypatch):
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: list(PARAS))
    page = header_page().replace(
        f'<header><h1>{HEADLINE}</h1><p class="article-teaser">{STANDFIRST}</p>',
        f'<header><figure class="teaser"><h1>{HEADLINE}</h1><p>{STANDFIRST}</p></figure><p>March 3, 2024 and more words here</p>',
    )
    assert [b.text for b in H.extract(page).blocks] == [STANDFIRST] + PARAS


def test_headline_element_must_match_the_title():
    assert H.headline_element(H.parse(header_page()))[1] == HEADLINE
    logo = "<html><head><title>Tram news today</title></head><body><h1>Example Daily Network</h1><p>x</p></body></html>"
    assert H.headline_element(H.parse(logo)) is None
    # a site name that the title ends with is not the headline
    site = "<html><head><title>Tram line approved by the council - News - Example Daily Network</title></head><body><h1>Example Daily Network</h1></body></html>"
    assert H.headline_element(H.parse(site)) is None


RELATED = [
    "Mayor opens the new bridge over the river",
    "Bus drivers announce a strike for next Monday",
    "The old station will become a public library",
]


def related_page() -> str:
    items = "".join(f'<li><a href="/n{i}">{t}</a><p>A teaser of the story, in one sentence.</p></li>' for i, t in enumerate(RELATED))
    return article_page(extra_body=f"<ul>{items}</ul><p>Short link: <a href='/x'>Read more</a></p>")


def test_trailing_list_of_linked_headlines_is_cut(monkeypatch):
    teaser = "A teaser of the story, in one sentence."
    extracted = PARAS + [RELATED[0], teaser, RELATED[1], teaser, RELATED[2] + " " + teaser, "Closing words of the page."]
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: list(extracted))
    ex = H.extract(related_page())
    assert [b.text for b in ex.blocks] == PARAS + ["Closing words of the page."]
    assert any(c.rule == H.LINK_LIST_RULE and RELATED[1] in c.text for c in ex.cuts)


def test_two_links_or_a_list_that_is_most_of_the_text_stay(monkeypatch):
    few = PARAS + [RELATED[0], RELATED[1]]
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: list(few))
    assert [b.text for b in H.extract(related_page()).blocks] == few
    teaser = "A teaser of the story, in one sentence."
    mostly_links = ["An opening line of the page, about the tram line and the northern districts of the city."]
    mostly_links += [f"{t} {teaser}" for t in RELATED]
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: list(mostly_links))
    assert [b.text for b in H.extract(related_page()).blocks] == mostly_links


MODULES = [
    [p, f"In the {n} part of the report, the council set out the timetable, the budget and the people in charge of the work, line by line and district by district, for all to read."]
    for p, n in zip(PARAS, ("first", "second", "third", "fourth"))
]


def module_page(teaser_module: str = "") -> str:
    modules = "".join(
        '<div class="editorial-module"><div class="text-body">' + "".join(f"<p>{p}</p>" for p in m) + f'</div></div><figure><img src="x{i}.jpg"></figure>'
        for i, m in enumerate(MODULES)
    )
    return article_page(extra_body=f"<section>{modules}{teaser_module}</section>").replace("".join(f"<p>{p}</p>" for p in PARAS), "", 1)


def test_left_out_modules_of_the_article_are_put_back_in_page_order(monkeypatch):
    # the extractor settled on the third module only
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: list(MODULES[2]))
    blocks = [b.text for b in H.extract(module_page()).blocks]
    assert blocks == [line for m in MODULES for line in m]


def test_modules_that_are_teasers_or_links_stay_out(monkeypatch):
    linked = " ".join(MODULES[0]).replace("city", "town")
    teasers = f'<div class="editorial-module"><div class="text-body"><p><a href="/o">{linked}</a></p></div></div>'
    everything = [line for m in MODULES for line in m]
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=False: list(everything))
    blocks = [b.text for b in H.extract(module_page(teasers)).blocks]
    assert blocks == everything  # the linked module is not added, the others are not doubled


def test_parsed_tree_offers_the_lxml_html_api():
    # trafilatura calls text_content() and drop_tree() on any element it meets
    root = H.parse(article_page(extra_body="<form><input name='q'></form>"))
    for el in root.iter("form", "input", "p", "article"):
        assert isinstance(el, lxml_html.HtmlElement)
    root.find(".//form").drop_tree()
    assert root.find(".//form") is None
    assert PARAS[0] in root.text_content()


def test_title_from_og_title():
    page = article_page(head='<meta property="og:title" content="Tram extension approved">')
    assert clean_document(page).title == "Tram extension approved"
    root = H.parse(article_page())
    assert H.markup_title(root) == HEADLINE  # no og:title: the <h1>
    assert H.markup_title(H.parse("<html><head><title> Only a title </title></head><body></body></html>")) == "Only a title"


@pytest.mark.parametrize(
    "page",
    [
        article_page(),
        article_page(extra_body=TAGDIV_FURNITURE, body_class="td-container"),
        article_page(extra_body="<ul><li>First point of the list</li><li>Second point</li></ul><blockquote>A quote, said the mayor.</blockquote>"),
        "<html><body><p>Short page.</p></body></html>",
        header_page(),
    ],
)
def test_idempotent(page):
    once = clean(page)
    assert clean(once) == once


def test_blocks_are_single_lines_in_input_order():
    doc = clean_document(article_page(extra_body="<p>A line<br>broken in two by a break, which is a block boundary in dumps.</p>"))
    rebuilt = doc.rebuild()
    assert all("\n" not in b for b in rebuilt)
    kept_positions = [rebuilt.index(t) for t in doc.blocks]
    assert kept_positions == sorted(kept_positions)


def test_deep_nesting_does_not_crash():
    depth = 10_000
    page = "<html><body>" + "<div>" * depth + "<p>" + PARAS[0] + "</p>" + "</div>" * depth + "</body></html>"
    doc = clean_document(page, kind="html")
    assert isinstance(doc.text, str)


def test_walk_lines_blocks_and_inline_text():
    root = lxml_html.fromstring("<div><p>one <b>two</b> three</p><ul><li>a</li><li>b<br>c</li></ul><script>x()</script>tail</div>")
    assert H.render_lines(root) == ["one two three", "a", "b", "c", "tail"]


# ---------------------------------------------------------------- selector files


def test_builtin_selector_rules_match_their_examples():
    sets = S.load_builtin()
    assert {s.id for s in sets} >= {"tagdiv-newspaper-html", "wordpress-html"}
    for s in sets:
        for rule in s.rules:
            assert S.matches(rule, S.parse_fragment(rule.example)), rule.id


def test_css_translation():
    root = lxml_html.fromstring('<div><p class="a b" id="x" data-k="val">1</p><span class="a">2</span><div><p>3</p></div></div>')

    def texts(css):
        return [el.text_content() for el in root.xpath(S.css_to_xpath(css))]

    assert texts(".a") == ["1", "2"]
    assert texts("p.a") == ["1"]
    assert texts("#x") == ["1"]
    assert texts("[data-k^=va]") == ["1"]
    assert texts("div > div > p") == ["3"]
    assert texts("div p") == ["1", "3"]
    with pytest.raises(ValueError):
        S.css_to_xpath("p:nth-child(2)")


def test_selector_file_problems_name_file_and_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[selectors]\nid = "bad"\n\n[[rule]]\nid = "r1"\ncategory = "share"\ncss = "p:hover"\n'
        'reason = "x"\nexample = "<p>x</p>"\n\n[[rule]]\nid = "r2"\ncategory = "share"\ncss = ".share"\n'
        'reason = "x"\nexample = "<p>no match</p>"\nextra = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(S.SelectorError) as err:
        S.load_file(path)
    problems = err.value.problems
    assert any(p.startswith(f"{path}:7:") and "p:hover" in p for p in problems)
    assert any(p.startswith(f"{path}:17:") and "unknown key 'extra'" in p for p in problems)
    bad_toml = tmp_path / "broken.toml"
    bad_toml.write_text('[selectors]\nid = "x\n', encoding="utf-8")
    with pytest.raises(S.SelectorError, match=r"broken\.toml:2: invalid TOML"):
        S.load_file(bad_toml)


def test_a_fragment_without_html_element_is_html():
    fragment = (
        "<nav>Home</nav><article><h1>Budget passed</h1><p>The council approved the harbour budget "
        "on Tuesday after a long debate, officials said.</p></article>"
    )
    doc = clean_document(fragment)
    assert doc.kind == "html"
    assert "<" not in doc.text and "Home" not in doc.text
    assert "The council approved the harbour budget" in doc.text


def test_text_with_a_stray_angle_bracket_stays_text():
    assert clean_document("<3 to everyone who came\nThe market reopens on Monday at nine, the organisers said.").kind == "text"


def test_an_extraction_merged_into_one_line_falls_back_to_the_rendering(monkeypatch):
    page = "<!doctype html><nav>Home</nav><article><h1>Budget passed</h1><p>The council approved the budget.</p></article>"
    monkeypatch.setattr(H, "_trafilatura_lines", lambda root, url, fast=True: ["Home Budget passed The council approved the budget."])
    ex = H.extract(page)
    assert ex.method == "render"
    assert [b.text for b in ex.blocks] == ["Home", "Budget passed", "The council approved the budget."]


def test_inline_code_stays_inside_its_sentence_and_a_listing_is_its_own_block():
    para = "Managing your <code>requirements.txt</code> with <code>pip-tools</code> makes builds repeatable for every developer on the team."
    listing = "<pre><code>pip install -r requirements.txt</code></pre>"
    doc = clean_document(article_page(f"<p>{para}</p>{listing}"))
    assert "Managing your requirements.txt with pip-tools makes builds repeatable for every developer on the team." in doc.text.split("\n\n")
    assert not any(b.text in ("requirements.txt", "with", "pip-tools") for b in doc.kept)


def test_inline_code_in_a_quote_stays_inside_its_sentence():
    from lxml import etree

    body = etree.fromstring("<body><quote>Run <code>make test</code> before every commit.</quote>"
                            "<quote><code>make lint</code></quote></body>")
    H.inline_code_to_text(body)
    assert H.walk_lines(body, H._EXTRACT_BLOCKS, frozenset()) == ["Run make test before every commit.", "make lint"]


def test_extracted_content_with_no_chrome_is_judged_with_the_lower_bar(monkeypatch):
    # the extractor left no chrome any rule knows: an unsure model keeps the story
    from cleaner import linemodel
    from fake_models import FixedModel

    monkeypatch.setattr(linemodel, "load", lambda: FixedModel(0.3))  # under the model's bar of 0.5
    doc = clean_document(article_page())
    assert_article(doc.text)
    assert clean(doc.text) == doc.text
